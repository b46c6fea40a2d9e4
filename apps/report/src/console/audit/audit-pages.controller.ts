import { Controller, Get, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ConsoleError } from '../auth/console.errors';
import { ConsoleGuard, RequirePermission } from '../auth/console.guard';
import type { ConsoleRequest } from '../auth/console-request';
import { ConsoleExceptionFilter } from '../console-exception.filter';
import { ViewRenderer } from '../view-renderer';
import { AUDIT_FILTERS, type AuditFilter, AuditLog } from './audit-log.service';

/**
 * `/console/audit` (administrators): exports and consent changes of the administrator's
 * organization, newest first, 100 a page (keyset: `before` is the last row's cursor), filtered by
 * kind (`kind=export|consent`, default everything).
 */
@Controller('console/audit')
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
export class AuditPagesController {
  constructor(
    private readonly audit: AuditLog,
    private readonly views: ViewRenderer,
  ) {}

  @Get()
  @RequirePermission('viewAudit')
  async list(@Req() req: ConsoleRequest, @Res() res: Response, @Query('kind') kind?: unknown, @Query('before') before?: unknown): Promise<void> {
    const filter = kind === undefined || kind === '' ? 'all' : kind;
    if (typeof filter !== 'string' || !(AUDIT_FILTERS as readonly string[]).includes(filter)) {
      throw new ConsoleError('INVALID_INPUT', `kind: must be one of ${AUDIT_FILTERS.join(', ')}`, 'kind');
    }
    if (before !== undefined && (typeof before !== 'string' || before.length > 2000)) throw new ConsoleError('INVALID_INPUT', 'before: not a page of the audit log', 'before');
    const { t, organization } = req.console;
    const page = await this.audit.page(organization.id, filter as AuditFilter, before || undefined);
    const entries = page.entries.map((e) => ({
      ...e,
      kindLabel: t.t(`audit.kind.${e.kind}`),
      summary: e.kind === 'consent' ? t.t('audit.consent', { channel: e.what, status: e.status, client: e.clientId }) : e.what,
      detailText: Object.keys(e.details).length ? JSON.stringify(e.details) : '',
    }));
    const keep = filter === 'all' ? '' : `kind=${filter}`;
    res.type('html').send(
      this.views.render('audit', t, { title: t.t('audit.title'), nav: 'audit', console: req.console }, {
        entries,
        filters: AUDIT_FILTERS.map((f) => ({ value: f, label: t.t(`audit.kind.${f}`), selected: f === filter })),
        nextHref: page.next ? `/console/audit?${keep ? `${keep}&` : ''}before=${page.next}` : null,
        firstHref: before ? `/console/audit${keep ? `?${keep}` : ''}` : null,
      }),
    );
  }
}
