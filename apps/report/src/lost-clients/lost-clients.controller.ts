import { Body, Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { AuditLog } from '../console/audit/audit-log.service';
import { ConsoleError } from '../console/auth/console.errors';
import { ConsoleGuard, RequirePermission } from '../console/auth/console.guard';
import { can, type ConsoleRequest } from '../console/auth/console-request';
import { ConsoleExceptionFilter } from '../console/console-exception.filter';
import { ViewRenderer } from '../console/view-renderer';
import { parseLostClientsQuery, type LostClientsFilter, type LostClientSort } from './dto/lost-clients-query.dto';
import { LOST_CLIENTS_CSV_HEADER, lostClientCsvLine } from './lost-clients-csv';
import { LostClientsService } from './lost-clients.service';

/** The filter fields of a query, for links that keep them (paging, sorting, export). */
function filterParams(q: LostClientsFilter & { sort?: string }): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '' && k !== 'after' && k !== 'limit') params.set(k, String(v));
  return params;
}

function selectedIds(body: Record<string, unknown>): string[] {
  const raw = body.episode;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const ids = list.map(String).filter((v) => /^[1-9][0-9]{0,17}$/.test(v));
  if (ids.length !== list.length) throw new ConsoleError('INVALID_INPUT', 'episode: every selected row must be an id', 'episode');
  if (ids.length > 10_000) throw new ConsoleError('INVALID_INPUT', 'episode: at most 10,000 rows at once; use "all matching" instead', 'episode');
  return ids;
}

/**
 * `GET /console/lost-clients` (page), `.json` (the same page for scripts), `.csv` (every matching
 * row), and `POST /console/lost-clients/selection` (bulk actions on ticked rows or on everything
 * matching the filters).
 */
@Controller('console')
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
export class LostClientsController {
  constructor(
    private readonly lostClients: LostClientsService,
    private readonly views: ViewRenderer,
    private readonly audit: AuditLog,
  ) {}

  @Get('lost-clients')
  @RequirePermission('viewClients')
  async list(@Req() req: ConsoleRequest, @Query() raw: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { account, organization, t } = req.console;
    const query = parseLostClientsQuery(raw);
    const [page, options] = await Promise.all([this.lostClients.page(organization.id, organization.timezone, query), this.lostClients.filterOptions(organization.id)]);
    const keep = filterParams(query);
    const nextParams = new URLSearchParams(keep);
    if (page.next) nextParams.set('after', page.next);
    const sortLinks = (['value', 'overdue', 'detected'] as LostClientSort[]).map((sort) => {
      const p = filterParams({ ...query, sort });
      return { sort, href: `/console/lost-clients?${p}`, active: sort === query.sort };
    });
    res.type('html').send(
      this.views.render('lost-clients', t, { title: t.t('lost.title'), nav: 'lost', console: req.console, scripts: ['lost-clients.js'] }, {
        query,
        page,
        options,
        sortLinks,
        firstHref: `/console/lost-clients?${keep}`,
        nextHref: page.next ? `/console/lost-clients?${nextParams}` : null,
        paged: Boolean(query.after),
        csvHref: `/console/lost-clients.csv?${keep}`,
        filterFields: [...keep.entries()].map(([name, value]) => ({ name, value })),
        canExport: can(account.role, 'exportClients'),
        // The campaign wizard takes the same filters as its audience.
        campaignHref: can(account.role, 'manageCampaigns') ? `/console/campaigns/new?${keep}` : null,
        canEdit: can(account.role, 'editClients'),
        notice: typeof raw.done === 'string' && /^\d+$/.test(raw.done) ? t.t('lost.dismissed', { count: Number(raw.done) }) : null,
      }),
    );
  }

  @Get('lost-clients.json')
  @RequirePermission('viewClients')
  async listJson(@Req() req: ConsoleRequest, @Query() raw: Record<string, unknown>) {
    const { organization } = req.console;
    return this.lostClients.page(organization.id, organization.timezone, parseLostClientsQuery(raw));
  }

  @Get('lost-clients.csv')
  @RequirePermission('exportClients')
  async exportCsv(@Req() req: ConsoleRequest, @Query() raw: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const query = parseLostClientsQuery(raw);
    await this.streamCsv(req, res, query, query.sort);
  }

  /** Bulk actions: `action=export` or `dismiss`, on the ticked rows, or with `all=1` on every row matching the filters. */
  @Post('lost-clients/selection')
  @RequirePermission('viewClients')
  async selection(@Req() req: ConsoleRequest, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { account, organization } = req.console;
    const { _csrf, action, all, episode, ...filterFields } = body;
    void _csrf;
    void episode;
    const query = parseLostClientsQuery(filterFields);
    const ids = all === '1' ? undefined : selectedIds(body);
    if (ids && ids.length === 0) throw new ConsoleError('INVALID_INPUT', 'episode: tick at least one client, or choose all matching', 'episode');
    if (action === 'export') {
      if (!can(account.role, 'exportClients')) throw new ConsoleError('FORBIDDEN');
      return this.streamCsv(req, res, query, query.sort, ids);
    }
    if (action === 'dismiss') {
      if (!can(account.role, 'editClients')) throw new ConsoleError('FORBIDDEN');
      const dismissed = await this.lostClients.dismiss(organization.id, organization.timezone, query, ids);
      const back = filterParams(query);
      back.set('done', String(dismissed));
      return res.redirect(303, `/console/lost-clients?${back}`);
    }
    throw new ConsoleError('INVALID_INPUT', 'action: must be export or dismiss', 'action');
  }

  private async streamCsv(req: ConsoleRequest, res: Response, filter: LostClientsFilter, sort: LostClientSort, ids?: string[]): Promise<void> {
    const { organization } = req.console;
    const stamp = new Date().toISOString().slice(0, 10);
    // Contact data leaves the system: recorded (who, which filters, which rows) before the first byte.
    await this.audit.recordExport(req, 'lost-clients.csv', { filters: Object.fromEntries(filterParams({ ...filter, sort })), rows: ids ? ids.length : 'all matching' });
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="lost-clients-${stamp}.csv"`);
    // A byte-order mark so spreadsheet programs read UTF-8 names (Georgian, Bengali ...) correctly.
    res.write(`\uFEFF${LOST_CLIENTS_CSV_HEADER}`);
    for await (const batch of this.lostClients.rows(organization.id, organization.timezone, filter, sort, ids)) {
      if (!res.write(batch.map(lostClientCsvLine).join(''))) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  }
}
