import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Pool } from 'pg';
import { OutboxRelayService } from '@comeback/events';
import { PG_POOL } from '@comeback/platform';
import {
  acceptCandidate, addReasonAlias, addReasonLabel, createReason, dismissCandidate, listCandidates, listReasons, mapCandidate, mergeReasons, restoreReason, retireReason,
} from '@comeback/reasons';
import { ConsoleError } from '../console/auth/console.errors';
import { ConsoleGuard, RequirePermission } from '../console/auth/console.guard';
import { can, type ConsoleRequest } from '../console/auth/console-request';
import { ViewRenderer } from '../console/view-renderer';
import { optionalText, rowId, textField } from './reason-forms';
import { ReasonPagesExceptionFilter } from './reason-pages.errors';

const DONE = ['created', 'accepted', 'mapped', 'dismissed', 'merged', 'retired', 'restored', 'label', 'alias'] as const;

/**
 * The organization's reason list for staff: every reason (labels per locale, aliases, usage,
 * status) and the open candidates the matcher could not place. Every change goes through
 * '@comeback/reasons' (which locks the list and checks the organization); the organization is
 * always the signed-in account's. Plain forms, each answered with a redirect back to the list.
 */
@Controller('console/reasons')
@UseGuards(ConsoleGuard)
@UseFilters(ReasonPagesExceptionFilter)
export class ReasonPagesController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly views: ViewRenderer,
    private readonly relay: OutboxRelayService,
  ) {}

  @Get()
  @RequirePermission('viewReasons')
  async list(@Req() req: ConsoleRequest, @Query() q: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { t, account, organization } = req.console;
    const [all, candidates] = await Promise.all([listReasons(this.pool, organization.id, { includeRetired: true }), listCandidates(this.pool, organization.id, { limit: 200 })]);
    const byId = new Map(all.map((r) => [r.id, r]));
    const reasons = all.map((r) => {
      const mergedInto = r.mergedIntoId ? (byId.get(r.mergedIntoId)?.label ?? r.mergedIntoId) : null;
      return {
        ...r,
        labelList: Object.entries(r.labels).sort(([a], [b]) => a.localeCompare(b)).map(([locale, label]) => ({ locale, label })),
        active: !r.retiredAt && !r.mergedIntoId,
        retired: Boolean(r.retiredAt) && !r.mergedIntoId,
        mergedInto,
      };
    });
    const active = reasons.filter((r) => r.active).map((r) => ({ id: r.id, label: r.label }));
    res.type('html').send(
      this.views.render('reasons', t, { title: t.t('reasons.title'), nav: 'reasons', console: req.console }, {
        reasons,
        candidates,
        active,
        canManage: can(account.role, 'manageReasons'),
        done: (DONE as readonly string[]).includes(String(q.done ?? '')) ? `reasons.done.${String(q.done)}` : null,
      }),
    );
  }

  @Post()
  @RequirePermission('manageReasons')
  async create(@Req() req: ConsoleRequest, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await createReason(this.pool, { organizationId: req.console.organization.id, label: textField(body.label, 'label', 200), locale: optionalText(body.locale, 'locale', 35) });
    res.redirect(303, '/console/reasons?done=created');
  }

  @Post('candidates/:id/accept')
  @RequirePermission('manageReasons')
  async accept(@Req() req: ConsoleRequest, @Param('id') id: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await acceptCandidate(this.pool, {
      organizationId: req.console.organization.id, candidateId: rowId(id, 'candidate'), label: optionalText(body.label, 'label', 200), locale: optionalText(body.locale, 'locale', 35),
    });
    res.redirect(303, '/console/reasons?done=accepted');
  }

  @Post('candidates/:id/map')
  @RequirePermission('manageReasons')
  async map(@Req() req: ConsoleRequest, @Param('id') id: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await mapCandidate(this.pool, { organizationId: req.console.organization.id, candidateId: rowId(id, 'candidate'), reasonId: rowId(body.reasonId, 'reasonId') });
    res.redirect(303, '/console/reasons?done=mapped');
  }

  @Post('candidates/:id/dismiss')
  @RequirePermission('manageReasons')
  async dismiss(@Req() req: ConsoleRequest, @Param('id') id: string, @Res() res: Response): Promise<void> {
    await dismissCandidate(this.pool, { organizationId: req.console.organization.id, candidateId: rowId(id, 'candidate') });
    res.redirect(303, '/console/reasons?done=dismissed');
  }

  @Post(':id/merge')
  @RequirePermission('manageReasons')
  async merge(@Req() req: ConsoleRequest, @Param('id') id: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    // The form's required checkbox is the confirmation (no script needed); a post without it changes nothing.
    if (body.confirm !== 'yes') throw new ConsoleError('INVALID_INPUT', req.console.t.t('reasons.merge.unconfirmed'), 'confirm');
    await mergeReasons(this.pool, { organizationId: req.console.organization.id, fromId: rowId(id, 'reason'), intoId: rowId(body.intoId, 'intoId') });
    // Its reason.merged is committed: published now rather than at the relay's next poll.
    this.relay.kick();
    res.redirect(303, '/console/reasons?done=merged');
  }

  @Post(':id/retire')
  @RequirePermission('manageReasons')
  async retire(@Req() req: ConsoleRequest, @Param('id') id: string, @Res() res: Response): Promise<void> {
    await retireReason(this.pool, { organizationId: req.console.organization.id, reasonId: rowId(id, 'reason') });
    res.redirect(303, '/console/reasons?done=retired');
  }

  @Post(':id/restore')
  @RequirePermission('manageReasons')
  async restore(@Req() req: ConsoleRequest, @Param('id') id: string, @Res() res: Response): Promise<void> {
    await restoreReason(this.pool, { organizationId: req.console.organization.id, reasonId: rowId(id, 'reason') });
    res.redirect(303, '/console/reasons?done=restored');
  }

  @Post(':id/labels')
  @RequirePermission('manageReasons')
  async addLabel(@Req() req: ConsoleRequest, @Param('id') id: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await addReasonLabel(this.pool, {
      organizationId: req.console.organization.id, reasonId: rowId(id, 'reason'), locale: textField(body.locale, 'locale', 35), label: textField(body.label, 'label', 200),
    });
    res.redirect(303, `/console/reasons?done=label#r-${id}`);
  }

  @Post(':id/aliases')
  @RequirePermission('manageReasons')
  async addAlias(@Req() req: ConsoleRequest, @Param('id') id: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await addReasonAlias(this.pool, { organizationId: req.console.organization.id, reasonId: rowId(id, 'reason'), text: textField(body.text, 'text', 200) });
    res.redirect(303, `/console/reasons?done=alias#r-${id}`);
  }
}
