import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { csvLine, spreadsheetTextField } from '@comeback/csv';
import type { Response } from 'express';
import { AuditLog } from '../console/audit/audit-log.service';
import { ConsoleError } from '../console/auth/console.errors';
import { ConsoleGuard, RequirePermission } from '../console/auth/console.guard';
import { can, type ConsoleRequest } from '../console/auth/console-request';
import { ConsoleExceptionFilter } from '../console/console-exception.filter';
import { ViewRenderer } from '../console/view-renderer';
import { parseGrain, parsePage, parseReportPeriod, parseWindowDays, type ReportPeriod, ReportPeriodError } from '../reports/report-period';
import { ReportError } from '../reports/report.errors';
import { ReportQueriesService } from '../reports/report-queries.service';
import {
  presentAverageCheck,
  presentChurnTypes,
  presentGone,
  presentIntensiveCare,
  presentLostBusiness,
  presentReasonsByRevenue,
  presentRetention,
  type ReportPage,
} from './report-presenters';
import type { Translator } from '../console/i18n/translator';

type Q = Record<string, string | undefined>;

/** Each report: how to run it from the page's query, and how to present it. Order = the index page's order. */
const REPORTS: Record<string, { options: ('grain' | 'window' | 'page')[]; run: (reports: ReportQueriesService, org: string, period: ReportPeriod, q: Q) => Promise<unknown>; present: (t: Translator, data: never) => ReportPage }> = {
  gone: { options: [], run: (r, org, p) => r.gone(org, p), present: presentGone },
  'lost-business': { options: ['grain'], run: (r, org, p, q) => r.lostBusiness(org, p, parseGrain(q.grain)), present: presentLostBusiness },
  'reasons-by-revenue': { options: [], run: (r, org, p) => r.reasonsByRevenue(org, p), present: presentReasonsByRevenue },
  'retention-by-staff': { options: ['window'], run: (r, org, p, q) => r.retentionByStaff(org, p, parseWindowDays(q.windowDays)), present: presentRetention },
  'average-check': { options: ['grain'], run: (r, org, p, q) => r.averageCheck(org, p, parseGrain(q.grain)), present: presentAverageCheck },
  'churn-types': { options: [], run: (r, org, p) => r.churnTypes(org, p), present: presentChurnTypes },
  'intensive-care': {
    options: ['page'],
    run: (r, org, p, q) => r.intensiveCare(org, q.period || q.from || q.to ? p : null, parsePage({ limit: q.limit, offset: q.offset })),
    present: presentIntensiveCare,
  },
};

function shift(day: string, months: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

/** Ready-made periods for the picker, relative to the organization's today. */
function quickPeriods(t: Translator, today: string) {
  const [y, m] = today.split('-').map(Number);
  const q = Math.floor((m - 1) / 3) + 1;
  const prevMonth = shift(`${today.slice(0, 7)}-01`, -1).slice(0, 7);
  const prevQ = q === 1 ? `${y - 1}-Q4` : `${y}-Q${q - 1}`;
  return [
    { label: t.t('period.last12'), query: '' },
    { label: t.t('period.thisMonth'), query: `period=${today.slice(0, 7)}` },
    { label: t.t('period.lastMonth'), query: `period=${prevMonth}` },
    { label: t.t('period.thisQuarter'), query: `period=${y}-Q${q}` },
    { label: t.t('period.lastQuarter'), query: `period=${prevQ}` },
    { label: t.t('period.thisYear'), query: `period=${y}` },
    { label: t.t('period.lastYear'), query: `period=${y - 1}` },
  ];
}

/**
 * The report pages: `/console/reports` (the list), `/console/reports/:name` (chart, table, period
 * picker), `…/:name/data.json` (the same figures as the API), `…/:name/export.csv`, and recording
 * an intensive-care review. The organization is the signed-in account's.
 */
@Controller('console/reports')
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
export class ReportPagesController {
  constructor(
    private readonly reports: ReportQueriesService,
    private readonly views: ViewRenderer,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  @RequirePermission('viewReports')
  async index(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const { t, organization } = req.console;
    const state = await this.reports.rollupState(organization.id);
    const reports = Object.keys(REPORTS).map((name) => ({ name, title: t.t(`report.${name}.title`), about: t.t(`report.${name}.about`) }));
    res.type('html').send(this.views.render('reports', t, { title: t.t('nav.reports'), nav: 'reports', console: req.console }, { reports, state }));
  }

  @Get(':name/data.json')
  @RequirePermission('viewReports')
  async data(@Req() req: ConsoleRequest, @Param('name') name: string, @Query() q: Q) {
    return (await this.run(req, name, q)).data;
  }

  @Get(':name/export.csv')
  @RequirePermission('viewReports')
  async csv(@Req() req: ConsoleRequest, @Param('name') name: string, @Query() q: Q, @Res() res: Response): Promise<void> {
    const { data, period } = await this.run(req, name, q);
    const page = REPORTS[name].present(req.console.t, data as never);
    const cell = (v: string | number | null) => (v === null ? '' : typeof v === 'number' ? String(v) : spreadsheetTextField(v));
    await this.audit.recordExport(req, `report.${name}.csv`, { from: period.from, to: period.to });
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${name}-${period.from}-${period.to}.csv"`);
    res.send(`\uFEFF${csvLine(page.csv.header)}${page.csv.rows.map((r) => csvLine(r.map(cell))).join('')}`);
  }

  @Get(':name')
  @RequirePermission('viewReports')
  async page(@Req() req: ConsoleRequest, @Param('name') name: string, @Query() q: Q, @Res() res: Response): Promise<void> {
    const { t, account } = req.console;
    const { data, period, today } = await this.run(req, name, q);
    const page = REPORTS[name].present(t, data as never);
    const keep = new URLSearchParams(Object.entries(q).filter(([, v]) => typeof v === 'string' && v !== '') as [string, string][]).toString();
    const options = REPORTS[name].options;
    const care = name === 'intensive-care' ? (data as { total: number; limit: number; offset: number }) : null;
    res.type('html').send(
      this.views.render('report', t, { title: t.t(`report.${name}.title`), nav: 'reports', console: req.console, scripts: ['chart.umd.min.js', 'report-charts.js'] }, {
        name,
        about: t.t(`report.${name}.about`),
        period,
        periodLabel: t.t('period.range', { from: t.formatDay(period.from), to: t.formatDay(period.to) }),
        q,
        quick: quickPeriods(t, today).map((p) => ({ ...p, href: `/console/reports/${name}${p.query ? `?${p.query}` : ''}` })),
        showGrain: options.includes('grain'),
        showWindow: options.includes('window'),
        grain: q.grain === 'quarter' ? 'quarter' : 'month',
        windowDays: q.windowDays ?? '90',
        page,
        csvHref: `/console/reports/${name}/export.csv${keep ? `?${keep}` : ''}`,
        jsonHref: `/console/reports/${name}/data.json${keep ? `?${keep}` : ''}`,
        canReview: name === 'intensive-care' && can(account.role, 'editClients'),
        nextHref: care && care.offset + care.limit < care.total ? `/console/reports/${name}?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(keep)), offset: String(care.offset + care.limit) })}` : null,
        state: await this.reports.rollupState(req.console.organization.id),
      }),
    );
  }

  /** Marks an intensive-care review done; the next one is due six months later. */
  @Post('intensive-care/:episodeId/review')
  @RequirePermission('editClients')
  async review(@Req() req: ConsoleRequest, @Param('episodeId') episodeId: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    if (!/^[1-9][0-9]{0,17}$/.test(episodeId)) throw new ConsoleError('NOT_FOUND');
    const note = typeof body.note === 'string' && body.note.trim() ? body.note.normalize('NFKC').trim().slice(0, 2000) : null;
    try {
      await this.reports.recordCareReview(req.console.organization.id, episodeId, req.console.account.id, note);
    } catch (err) {
      if (err instanceof ReportError) throw new ConsoleError('NOT_FOUND', err.message);
      throw err;
    }
    res.redirect(303, '/console/reports/intensive-care');
  }

  private async run(req: ConsoleRequest, name: string, q: Q): Promise<{ data: unknown; period: ReportPeriod; today: string }> {
    const report = Object.hasOwn(REPORTS, name) ? REPORTS[name] : undefined;
    if (!report) throw new ConsoleError('NOT_FOUND', `no report ${JSON.stringify(name)}`);
    const org = req.console.organization.id;
    try {
      const { today } = await this.reports.organizationToday(org);
      const period = parseReportPeriod({ period: q.period, from: q.from, to: q.to }, today);
      return { data: await report.run(this.reports, org, period, q), period, today };
    } catch (err) {
      if (err instanceof ReportPeriodError) throw new ConsoleError('INVALID_INPUT', `${err.field}: ${err.message}`, err.field);
      throw err;
    }
  }
}
