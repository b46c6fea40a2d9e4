import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Pool } from 'pg';
import { PG_POOL } from '@comeback/platform';
import { ConsoleError } from '../console/auth/console.errors';
import { ConsoleGuard, RequirePermission } from '../console/auth/console.guard';
import { can, type ConsoleRequest } from '../console/auth/console-request';
import { ViewRenderer } from '../console/view-renderer';
import { REPLY_CHANNELS, replyFilters, rowId } from './reason-forms';
import { ReasonPagesExceptionFilter } from './reason-pages.errors';

/** The inbox shows this many replies a page, newest first. */
const INBOX_LIMIT = 200;

/**
 * The next page's cursor: the last row's time (to the microsecond, as text) and id. Anything that
 * is not one starts from the newest.
 */
function pageCursor(value: unknown): [string, string] | null {
  if (typeof value !== 'string' || value.length > 200) return null;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(parsed[0]) && /^[1-9][0-9]{0,17}$/.test(String(parsed[1]))) {
      return [parsed[0], String(parsed[1])];
    }
  } catch {
    // not a cursor of ours
  }
  return null;
}

interface InboxRow {
  id: string;
  received_at: Date;
  client_id: string | null;
  client_name: string | null;
  from_address: string | null;
  channel: string;
  kind: string;
  text: string | null;
  reason_id: string | null;
  reason_label: string | null;
  candidate_id: string | null;
  candidate_text: string | null;
  matched_by: string | null;
  match_score: number | null;
  needs_review: boolean;
  /** The row's time as text, exact to the microsecond (a JS Date keeps milliseconds), for the cursor. */
  at_key: string;
}

/**
 * What clients said back, on every channel, for staff to read and review: the organization's
 * replies newest first (the last 200 that pass the filters), each with the client or the unknown
 * sender, the words, and the reason (or candidate) the intake gave it and how.
 */
@Controller('console/replies')
@UseGuards(ConsoleGuard)
@UseFilters(ReasonPagesExceptionFilter)
export class ReplyPagesController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly views: ViewRenderer,
  ) {}

  @Get()
  @RequirePermission('viewReasons')
  async inbox(@Req() req: ConsoleRequest, @Query() q: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { t, account, organization } = req.console;
    const filters = replyFilters(q);
    const after = pageCursor(q.after);
    // The newest replies of this organization (ix_replies_org_received), with the client's name, the reason's label and the candidate's text.
    const { rows } = await this.pool.query<InboxRow>(
      `SELECT p.id::text, p.received_at, p.client_id::text, c.name AS client_name, p.from_address, p.channel, p.kind, p.text,
              p.reason_id::text, r.label AS reason_label, p.candidate_id::text, k.sample_text AS candidate_text, p.matched_by, p.match_score, p.needs_review,
              p.received_at::text AS at_key
         FROM replies p
         LEFT JOIN clients c ON c.organization_id = p.organization_id AND c.id = p.client_id
         LEFT JOIN churn_reasons r ON r.organization_id = p.organization_id AND r.id = p.reason_id
         LEFT JOIN reason_candidates k ON k.organization_id = p.organization_id AND k.id = p.candidate_id
        WHERE p.organization_id = $1 AND (NOT $2 OR p.needs_review) AND ($3::text IS NULL OR p.channel = $3)
          AND ($4::timestamptz IS NULL OR (p.received_at, p.id) < ($4::timestamptz, $5::bigint))
        ORDER BY p.received_at DESC, p.id DESC
        LIMIT ${INBOX_LIMIT + 1}`,
      [organization.id, filters.review, filters.channel, after?.[0] ?? null, after?.[1] ?? null],
    );
    // Paged by keyset (time, id): page 50 costs what page 1 does.
    const more = rows.length > INBOX_LIMIT;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    const replies = rows.map((r) => ({
      ...r,
      channelLabel: t.t(`replies.channel.${r.channel}`),
      kindLabel: t.t(`replies.kind.${r.kind}`),
      matchedByLabel: r.matched_by ? t.t(`replies.matchedBy.${r.matched_by}`) : null,
    }));
    const backTo = `/console/replies?shown=1${filters.review ? '&review=1' : ''}${filters.channel ? `&channel=${filters.channel}` : ''}`;
    const older = more && last ? `${backTo}&after=${Buffer.from(JSON.stringify([last.at_key, last.id])).toString('base64url')}` : null;
    res.type('html').send(
      this.views.render('replies', t, { title: t.t('replies.title'), nav: 'reasons', console: req.console }, {
        replies,
        filters,
        channels: REPLY_CHANNELS.map((c) => ({ code: c, label: t.t(`replies.channel.${c}`) })),
        limit: INBOX_LIMIT,
        backTo,
        older,
        paged: after !== null,
        canManage: can(account.role, 'manageReasons'),
        reviewed: q.reviewed === '1',
      }),
    );
  }

  @Post(':id/reviewed')
  @RequirePermission('manageReasons')
  async markReviewed(@Req() req: ConsoleRequest, @Param('id') id: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { rowCount } = await this.pool.query(`UPDATE replies SET needs_review = false WHERE organization_id = $1 AND id = $2`, [req.console.organization.id, rowId(id, 'reply')]);
    if (!rowCount) throw new ConsoleError('NOT_FOUND', `There is no reply ${id} in this organization.`);
    // Back to the same filters; only a path of ours is followed.
    const back = typeof body.returnTo === 'string' && body.returnTo.startsWith('/console/replies?') ? body.returnTo : '/console/replies';
    res.redirect(303, `${back}${back.includes('?') ? '&' : '?'}reviewed=1`);
  }
}
