import type { Translator } from '../console/i18n/translator';
import type {
  AverageCheckReport,
  ChurnTypesReport,
  GoneReport,
  IntensiveCareReport,
  LostBusinessReport,
  ReasonsByRevenueReport,
  RetentionByStaffReport,
} from '../reports/report.types';

/** A cell: text shown as is, or a number with how to format it. */
export type Cell = string | null | { n: number | null; as: 'int' | 'money' | 'pct' | 'dec' | 'day' };

export interface PageTable {
  caption: string;
  columns: { label: string; numeric: boolean }[];
  rows: { cells: string[]; href?: string; episodeId?: string; overdue?: boolean }[];
}

export interface PageChart {
  id: string;
  /** Chart.js chart type. */
  type: 'bar' | 'line' | 'doughnut';
  stacked?: boolean;
  label: string;
  labels: string[];
  datasets: { label: string; data: (number | null)[]; yAxisID?: string; type?: 'line' | 'bar' }[];
  /** Percent axis on the right for rate datasets. */
  percentAxis?: boolean;
}

/** What a report page shows: headline figures, charts, tables; and what its CSV holds. */
export interface ReportPage {
  figures: { label: string; value: string }[];
  charts: PageChart[];
  tables: PageTable[];
  csv: { header: string[]; rows: (string | number | null)[][] };
}

const MAX_CHART_REASONS = 8;

function fmt(t: Translator, c: Cell): string {
  if (c === null) return '—';
  if (typeof c === 'string') return c;
  switch (c.as) {
    case 'int':
      return t.formatInteger(c.n);
    case 'money':
      return t.formatMoney(c.n);
    case 'pct':
      return t.formatPercent(c.n);
    case 'dec':
      return t.formatDecimal(c.n);
    case 'day':
      return t.formatDay(c.n === null ? null : String(c.n));
  }
}

function table(t: Translator, caption: string, columns: [string, boolean][], rows: Cell[][], extra: Partial<PageTable['rows'][number]>[] = []): PageTable {
  return {
    caption,
    columns: columns.map(([label, numeric]) => ({ label: t.t(label), numeric })),
    rows: rows.map((cells, i) => ({ cells: cells.map((c) => fmt(t, c)), ...(extra[i] ?? {}) })),
  };
}

const reasonLabel = (t: Translator, label: string | null) => label ?? t.t('reason.unknown');

export function presentGone(t: Translator, r: GoneReport): ReportPage {
  // The stacked chart keeps the biggest reasons and puts the rest together, so it stays legible.
  const top = r.reasons.slice(0, MAX_CHART_REASONS);
  const rest = r.reasons.slice(MAX_CHART_REASONS);
  const months = r.monthly.map((m) => m.month);
  const countOf = (m: GoneReport['monthly'][number], id: string | null) => m.byReason.find((b) => b.reasonId === id)?.count ?? 0;
  const datasets = top.map((reason) => ({ label: reasonLabel(t, reason.label), data: r.monthly.map((m) => countOf(m, reason.reasonId)) }));
  if (rest.length) datasets.push({ label: t.t('report.otherReasons'), data: r.monthly.map((m) => rest.reduce((s, reason) => s + countOf(m, reason.reasonId), 0)) });
  return {
    figures: [{ label: t.t('report.gone.total'), value: t.formatInteger(r.total) }],
    charts: [
      { id: 'gone-reasons', type: 'doughnut', label: t.t('report.gone.chartShare'), labels: top.map((x) => reasonLabel(t, x.label)), datasets: [{ label: t.t('report.col.clients'), data: top.map((x) => x.count) }] },
      { id: 'gone-monthly', type: 'bar', stacked: true, label: t.t('report.gone.chartMonthly'), labels: months, datasets },
    ],
    tables: [
      table(t, t.t('report.gone.byReason'), [['report.col.reason', false], ['report.col.clients', true], ['report.col.share', true]],
        r.reasons.map((x) => [reasonLabel(t, x.label), { n: x.count, as: 'int' }, { n: x.share, as: 'pct' }])),
      table(t, t.t('report.gone.byMonth'), [['report.col.month', false], ['report.col.clients', true]], r.monthly.map((m) => [m.month, { n: m.total, as: 'int' }])),
    ],
    csv: { header: ['reason', 'clients', 'share'], rows: r.reasons.map((x) => [x.label ?? 'unknown', x.count, x.share]) },
  };
}

export function presentLostBusiness(t: Translator, r: LostBusinessReport): ReportPage {
  return {
    figures: [
      { label: t.t('report.lost.clients'), value: t.formatInteger(r.total.lostClients) },
      { label: t.t('report.lost.revenue'), value: t.formatMoney(r.total.lostRevenue) },
      { label: t.t('report.lost.activeAtStart'), value: t.formatInteger(r.total.activeAtStart) },
      { label: t.t('report.lost.churnRate'), value: t.formatPercent(r.total.churnRate) },
    ],
    charts: [
      {
        id: 'lost-business',
        type: 'bar',
        label: t.t('report.lost.chart'),
        labels: r.buckets.map((b) => b.bucket),
        percentAxis: true,
        datasets: [
          { label: t.t('report.lost.revenue'), data: r.buckets.map((b) => b.lostRevenue) },
          { label: t.t('report.lost.churnRate'), data: r.buckets.map((b) => b.churnRate), yAxisID: 'pct', type: 'line' },
        ],
      },
    ],
    tables: [
      table(
        t,
        t.t('report.lost.table'),
        [['report.col.period', false], ['report.lost.clients', true], ['report.lost.revenue', true], ['report.lost.activeAtStart', true], ['report.lost.churnRate', true]],
        [...r.buckets, r.total].map((b) => [b.bucket === 'total' ? t.t('report.total') : b.bucket, { n: b.lostClients, as: 'int' }, { n: b.lostRevenue, as: 'money' }, { n: b.activeAtStart, as: 'int' }, { n: b.churnRate, as: 'pct' }]),
      ),
    ],
    csv: {
      header: ['bucket', 'from', 'to', 'lost_clients', 'lost_revenue', 'active_at_start', 'churn_rate'],
      rows: [...r.buckets, r.total].map((b) => [b.bucket, b.from, b.to, b.lostClients, b.lostRevenue, b.activeAtStart, b.churnRate]),
    },
  };
}

export function presentReasonsByRevenue(t: Translator, r: ReasonsByRevenueReport): ReportPage {
  return {
    figures: [
      { label: t.t('report.lost.clients'), value: t.formatInteger(r.clients) },
      { label: t.t('report.lost.revenue'), value: t.formatMoney(r.lostRevenue) },
    ],
    charts: [
      { id: 'reasons-revenue', type: 'bar', label: t.t('report.reasons.chart'), labels: r.reasons.slice(0, 15).map((x) => reasonLabel(t, x.label)), datasets: [{ label: t.t('report.lost.revenue'), data: r.reasons.slice(0, 15).map((x) => x.lostRevenue) }] },
    ],
    tables: [
      table(
        t,
        t.t('report.reasons.table'),
        [['report.col.reason', false], ['report.lost.revenue', true], ['report.col.share', true], ['report.col.clients', true], ['report.reasons.average', true]],
        r.reasons.map((x) => [reasonLabel(t, x.label), { n: x.lostRevenue, as: 'money' }, { n: x.share, as: 'pct' }, { n: x.clients, as: 'int' }, { n: x.averageRevenue, as: 'money' }]),
      ),
    ],
    csv: { header: ['reason', 'lost_revenue', 'share', 'clients', 'average_revenue'], rows: r.reasons.map((x) => [x.label ?? 'unknown', x.lostRevenue, x.share, x.clients, x.averageRevenue]) },
  };
}

export function presentRetention(t: Translator, r: RetentionByStaffReport): ReportPage {
  return {
    figures: [
      { label: t.t('report.retention.window'), value: t.t('card.days', { count: r.windowDays }) },
      { label: t.t('report.retention.newClients'), value: t.formatInteger(r.staff.reduce((s, x) => s + x.newClients, 0)) },
    ],
    charts: [
      { id: 'retention', type: 'bar', label: t.t('report.retention.chart'), labels: r.staff.map((x) => x.name), percentAxis: true, datasets: [{ label: t.t('report.retention.repeatRate'), data: r.staff.map((x) => x.repeatRate), yAxisID: 'pct' }] },
    ],
    tables: [
      table(
        t,
        t.t('report.retention.table', { days: r.windowDays }),
        [['report.col.staff', false], ['report.retention.newClients', true], ['report.retention.matured', true], ['report.retention.returned', true], ['report.retention.sameStaff', true], ['report.retention.cameOnce', true], ['report.retention.repeatRate', true], ['report.retention.medianDays', true]],
        r.staff.map((x) => [x.name, { n: x.newClients, as: 'int' }, { n: x.matured, as: 'int' }, { n: x.returnedWithinWindow, as: 'int' }, { n: x.returnedToSameStaffWithinWindow, as: 'int' }, { n: x.cameOnce, as: 'int' }, { n: x.repeatRate, as: 'pct' }, { n: x.medianDaysToReturn, as: 'dec' }]),
      ),
    ],
    csv: {
      header: ['staff_member', 'new_clients', 'matured', 'returned_within_window', 'returned_to_same_staff', 'came_once', 'repeat_rate', 'median_days_to_return'],
      rows: r.staff.map((x) => [x.name, x.newClients, x.matured, x.returnedWithinWindow, x.returnedToSameStaffWithinWindow, x.cameOnce, x.repeatRate, x.medianDaysToReturn]),
    },
  };
}

export function presentAverageCheck(t: Translator, r: AverageCheckReport): ReportPage {
  const statsRow = (label: string, s: { visits: number; revenue: number; average: number | null; median: number | null }): Cell[] => [label, { n: s.visits, as: 'int' }, { n: s.revenue, as: 'money' }, { n: s.average, as: 'money' }, { n: s.median, as: 'money' }];
  const cols: [string, boolean][] = [['report.check.visits', true], ['report.check.revenue', true], ['report.check.average', true], ['report.check.median', true]];
  return {
    figures: [
      { label: t.t('report.check.average'), value: t.formatMoney(r.overall.average) },
      { label: t.t('report.check.median'), value: t.formatMoney(r.overall.median) },
      { label: t.t('report.check.quartiles'), value: `${t.formatMoney(r.distribution.quartiles.q1)} – ${t.formatMoney(r.distribution.quartiles.q3)}` },
      { label: t.t('report.check.visits'), value: t.formatInteger(r.overall.visits) },
    ],
    charts: [
      { id: 'check-trend', type: 'line', label: t.t('report.check.chartTrend'), labels: r.buckets.map((b) => b.bucket), datasets: [{ label: t.t('report.check.average'), data: r.buckets.map((b) => b.average) }, { label: t.t('report.check.median'), data: r.buckets.map((b) => b.median) }] },
      { id: 'check-distribution', type: 'bar', label: t.t('report.check.chartDistribution'), labels: r.distribution.bins.map((b) => `${t.formatDecimal(b.from)}–${t.formatDecimal(b.to)}`), datasets: [{ label: t.t('report.check.visits'), data: r.distribution.bins.map((b) => b.visits) }] },
    ],
    tables: [
      table(t, t.t('report.check.byPeriod'), [['report.col.period', false], ...cols], r.buckets.map((b) => statsRow(b.bucket, b))),
      table(t, t.t('report.check.byStaff'), [['report.col.staff', false], ...cols], r.staff.map((s) => statsRow(s.name ?? t.t('report.none'), s))),
      table(t, t.t('report.check.byService'), [['report.col.service', false], ...cols], r.services.map((s) => statsRow(s.name ?? t.t('report.none'), s))),
    ],
    csv: {
      header: ['group', 'name', 'visits', 'revenue', 'average', 'median'],
      rows: [
        ...r.buckets.map((b) => ['period', b.bucket, b.visits, b.revenue, b.average, b.median]),
        ...r.staff.map((s) => ['staff', s.name, s.visits, s.revenue, s.average, s.median]),
        ...r.services.map((s) => ['service', s.name, s.visits, s.revenue, s.average, s.median]),
      ],
    },
  };
}

export function presentChurnTypes(t: Translator, r: ChurnTypesReport): ReportPage {
  const types = ['voluntary', 'involuntary', 'passive'] as const;
  return {
    figures: types.map((k) => ({ label: t.t(`churnType.${k}`), value: t.formatInteger(r.total.counts[k]) })).concat([{ label: t.t('report.types.gradual'), value: t.formatInteger(r.total.gradual) }]),
    charts: [
      { id: 'churn-types', type: 'bar', stacked: true, label: t.t('report.types.chart'), labels: r.months.map((m) => m.month), datasets: types.map((k) => ({ label: t.t(`churnType.${k}`), data: r.months.map((m) => m.counts[k]) })) },
    ],
    tables: [
      table(
        t,
        t.t('report.types.table'),
        [['report.col.month', false], ['churnType.voluntary', true], ['churnType.involuntary', true], ['churnType.passive', true], ['report.types.gradual', true], ['report.lost.revenue', true]],
        [...r.months, r.total].map((m) => [m.month === 'total' ? t.t('report.total') : m.month, { n: m.counts.voluntary, as: 'int' }, { n: m.counts.involuntary, as: 'int' }, { n: m.counts.passive, as: 'int' }, { n: m.gradual, as: 'int' },
          { n: m.lostRevenue.voluntary + m.lostRevenue.involuntary + m.lostRevenue.passive + m.lostRevenue.untyped, as: 'money' }]),
      ),
    ],
    csv: {
      header: ['month', 'voluntary', 'involuntary', 'passive', 'untyped', 'gradual', 'lost_revenue_voluntary', 'lost_revenue_involuntary', 'lost_revenue_passive'],
      rows: [...r.months, r.total].map((m) => [m.month, m.counts.voluntary, m.counts.involuntary, m.counts.passive, m.counts.untyped, m.gradual, m.lostRevenue.voluntary, m.lostRevenue.involuntary, m.lostRevenue.passive]),
    },
  };
}

export function presentIntensiveCare(t: Translator, r: IntensiveCareReport): ReportPage {
  return {
    figures: [
      { label: t.t('report.care.total'), value: t.formatInteger(r.total) },
      { label: t.t('report.care.overdueOnPage'), value: t.formatInteger(r.rows.filter((x) => x.overdue).length) },
    ],
    charts: [],
    tables: [
      table(
        t,
        t.t('report.care.table'),
        [['report.col.client', false], ['report.care.returned', false], ['report.care.nextReview', false], ['report.care.visitsSince', true], ['report.care.expectedSince', true], ['report.care.spendSince', true], ['report.care.revenueBefore', true]],
        r.rows.map((x) => [x.clientName, { n: x.returnedAt as unknown as number, as: 'day' }, `${t.formatDay(x.nextReviewOn)}${x.overdue ? ` (${t.t('report.care.overdue')})` : ''}`, { n: x.visitsSinceReturn, as: 'int' }, { n: x.expectedVisitsSinceReturn, as: 'dec' }, { n: x.spendSinceReturn, as: 'money' }, { n: x.revenue12m, as: 'money' }]),
        r.rows.map((x) => ({ href: `/console/clients/${x.clientId}`, episodeId: x.episodeId, overdue: x.overdue })),
      ),
    ],
    csv: {
      header: ['episode_id', 'client_id', 'client_name', 'returned_at', 'next_review_on', 'overdue', 'visits_since_return', 'expected_visits_since_return', 'spend_since_return', 'revenue_12m_before_leaving', 'last_reviewed_at'],
      rows: r.rows.map((x) => [x.episodeId, x.clientId, x.clientName, x.returnedAt, x.nextReviewOn, x.overdue ? 'yes' : 'no', x.visitsSinceReturn, x.expectedVisitsSinceReturn, x.spendSinceReturn, x.revenue12m, x.lastReviewedAt]),
    },
  };
}
