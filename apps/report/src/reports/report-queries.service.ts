import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@comeback/platform';
import { ReportError } from './report.errors';
import type { Grain, ReportPeriod } from './report-period';
import type {
  AverageCheckReport, BucketBounds, CheckStats, ChurnTypeCounts, ChurnTypesReport, ChurnTypesRow, GoneReport, IntensiveCareReport,
  LostBusinessReport, LostBusinessRow, ReasonsByRevenueReport, RetentionByStaffReport, RollupState,
} from './report.types';
import {
  ACTIVE_AT, AVERAGE_CHECK, GONE_BY_MONTH, INSERT_CARE_REVIEW, INTENSIVE_CARE, INTENSIVE_CARE_COUNT, ORGANIZATION_TODAY, RETENTION_HISTOGRAM,
  ROLLUP_STATE, STAFF_BY_NAME,
} from './reports.sql';

/** Money from numeric text to a number with 2 decimals. */
const money = (v: string | number | null | undefined) => Math.round(Number(v ?? 0) * 100) / 100;
/** A fraction rounded to 4 decimals, or null when the denominator is 0. */
const ratio = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);

const dateOf = (s: string) => new Date(`${s}T00:00:00Z`);
const iso = (d: Date) => d.toISOString().slice(0, 10);

/** The calendar months ('YYYY-MM') or quarters ('YYYY-Qn') of a period, each clipped to it. */
export function bucketsOf(period: Pick<ReportPeriod, 'from' | 'to'>, grain: Grain): BucketBounds[] {
  const out: BucketBounds[] = [];
  const end = dateOf(period.to);
  const step = grain === 'month' ? 1 : 3;
  const start = dateOf(period.from);
  let y = start.getUTCFullYear();
  let m = grain === 'month' ? start.getUTCMonth() : Math.floor(start.getUTCMonth() / 3) * 3;
  for (;;) {
    const first = new Date(Date.UTC(y, m, 1));
    if (first > end) break;
    const last = new Date(Date.UTC(y, m + step, 0));
    out.push({
      bucket: grain === 'month' ? iso(first).slice(0, 7) : `${y}-Q${m / 3 + 1}`,
      from: iso(first < start ? start : first),
      to: iso(last > end ? end : last),
    });
    m += step;
    if (m >= 12) {
      m -= 12;
      y += 1;
    }
  }
  return out;
}

/**
 * How a report reads a period from tiered rollups: whole calendar months from the monthly tier
 * (`months`, each month's first day), and the days of partial months from the daily tier
 * (`dayFrom[i]..dayTo[i]`, adjacent ranges merged). A month that contains `splitAfter` without
 * ending on it is read by day too, so that every monthly row is on one side of that day
 * (retention: matured or not). `daily` reads the whole period by day (a check on the tiers).
 */
export interface TierPlan {
  months: string[];
  dayFrom: string[];
  dayTo: string[];
}

export function planTiers(period: Pick<ReportPeriod, 'from' | 'to'>, options: { splitAfter?: string; daily?: boolean } = {}): TierPlan {
  const plan: TierPlan = { months: [], dayFrom: [], dayTo: [] };
  if (options.daily) return { months: [], dayFrom: [period.from], dayTo: [period.to] };
  for (const b of bucketsOf(period, 'month')) {
    const first = `${b.bucket}-01`;
    const last = iso(new Date(Date.UTC(Number(b.bucket.slice(0, 4)), Number(b.bucket.slice(5, 7)), 0)));
    const whole = b.from === first && b.to === last;
    const straddles = options.splitAfter !== undefined && b.from <= options.splitAfter && options.splitAfter < b.to;
    if (whole && !straddles) {
      plan.months.push(first);
      continue;
    }
    const n = plan.dayTo.length;
    if (n > 0 && iso(new Date(dateOf(plan.dayTo[n - 1]).getTime() + 86_400_000)) === b.from) plan.dayTo[n - 1] = b.to;
    else {
      plan.dayFrom.push(b.from);
      plan.dayTo.push(b.to);
    }
  }
  return plan;
}

/**
 * The median (the mean of the two middle values for an even count, as percentile_cont(0.5)) of
 * values given as value -> how many times; null when there are none.
 */
export function medianOfCounts(counts: Map<number, number>): number | null {
  const values = [...counts.entries()].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const k = values.reduce((sum, [, n]) => sum + n, 0);
  if (k === 0) return null;
  // The value at 0-based position i: the first whose cumulative count exceeds i.
  const at = (i: number) => {
    let cumulative = 0;
    for (const [value, n] of values) if ((cumulative += n) > i) return value;
    throw new Error('unreachable: position beyond the count');
  };
  return (at(Math.floor((k - 1) / 2)) + at(Math.ceil((k - 1) / 2))) / 2;
}

/** The bucket label ('YYYY-MM' or 'YYYY-Qn') of a month 'YYYY-MM'. */
const bucketOfMonth = (month: string, grain: Grain) =>
  grain === 'month' ? month : `${month.slice(0, 4)}-Q${Math.floor((Number(month.slice(5, 7)) - 1) / 3) + 1}`;

interface GoneRow {
  month: string;
  reason_id: string | null;
  label: string | null;
  churn_type: 'voluntary' | 'involuntary' | 'passive' | null;
  gradual: boolean;
  clients: number;
  revenue: string;
}

/**
 * Readable histogram bins over [min, max] (whole currency units): the smallest step among
 * 1, 2, 2.5, 5 x 10^k (whole units) that needs at most 20 bins; at least 10 bins (padded upwards
 * when the amounts are too close together to fill them).
 */
export function histogramBins(amounts: { amount: number; visits: number }[]): { from: number; to: number; visits: number }[] {
  if (amounts.length === 0) return [];
  const min = Math.min(...amounts.map((a) => a.amount));
  const max = Math.max(...amounts.map((a) => a.amount));
  let step = 1;
  for (let k = 1; ; k *= 10) {
    const candidate = [1, 2, 2.5, 5].map((f) => f * k).find((s) => Number.isInteger(s) && Math.floor(max / s) - Math.floor(min / s) + 1 <= 20);
    if (candidate !== undefined) {
      step = candidate;
      break;
    }
  }
  const lo = Math.floor(min / step) * step;
  const count = Math.max(10, Math.floor(max / step) - Math.floor(min / step) + 1);
  const bins = Array.from({ length: count }, (_, i) => ({ from: lo + i * step, to: lo + (i + 1) * step, visits: 0 }));
  for (const a of amounts) bins[Math.floor((a.amount - lo) / step)].visits += a.visits;
  return bins;
}

/**
 * The figures of every report (definitions in the README, "Reports", and beside each statement
 * in reports.sql.ts). Reads churn_episodes directly (through its (organization_id, left_on) and
 * (organization_id, status, ...) indexes) and the rollups for anything that needs visits.
 */
@Injectable()
export class ReportQueriesService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The organization's timezone and today's local date there. */
  async organizationToday(organizationId: string): Promise<{ timezone: string; today: string }> {
    const { rows } = await this.pool.query<{ timezone: string; today: string }>(ORGANIZATION_TODAY, [organizationId]);
    if (rows.length === 0) throw new ReportError('ORGANIZATION_NOT_FOUND', `organization ${organizationId} does not exist`);
    return rows[0];
  }

  /**
   * Runs a report statement that aggregates up to a few hundred thousand rows with more sort and
   * hash memory than the server's default (4 MB spills such a sort to disk) and without JIT, for
   * this statement only.
   */
  private async queryWithMemory<R extends object>(sql: string, params: unknown[]): Promise<R[]> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL work_mem = '64MB'`);
      // JIT compiling these plans costs 50-100 ms, more than it saves on a few hundred thousand rows.
      await client.query(`SET LOCAL jit = off`);
      const { rows } = await client.query<R>(sql, params);
      await client.query('COMMIT');
      return rows;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async goneByMonth(organizationId: string, period: ReportPeriod): Promise<GoneRow[]> {
    return this.queryWithMemory<GoneRow>(GONE_BY_MONTH, [organizationId, period.from, period.to]);
  }

  /** 1. Clients gone in the period, by reason, and per month by reason. */
  async gone(organizationId: string, period: ReportPeriod): Promise<GoneReport> {
    const rows = await this.goneByMonth(organizationId, period);
    const total = rows.reduce((s, r) => s + r.clients, 0);
    const reasons = new Map<string | null, { reasonId: string | null; label: string | null; count: number }>();
    const months = new Map<string, Map<string | null, number>>();
    for (const r of rows) {
      const reason = reasons.get(r.reason_id) ?? { reasonId: r.reason_id, label: r.label, count: 0 };
      reason.count += r.clients;
      reasons.set(r.reason_id, reason);
      const month = months.get(r.month) ?? new Map<string | null, number>();
      month.set(r.reason_id, (month.get(r.reason_id) ?? 0) + r.clients);
      months.set(r.month, month);
    }
    const byCount = <T extends { count: number; reasonId: string | null }>(a: T, b: T) =>
      b.count - a.count || (a.reasonId === null ? 1 : b.reasonId === null ? -1 : Number(a.reasonId) - Number(b.reasonId));
    return {
      period,
      total,
      reasons: [...reasons.values()].sort(byCount).map((r) => ({ ...r, share: ratio(r.count, total) ?? 0 })),
      monthly: bucketsOf(period, 'month').map(({ bucket }) => {
        const byReason = [...(months.get(bucket) ?? new Map<string | null, number>()).entries()]
          .map(([reasonId, count]) => ({ reasonId, count }))
          .sort(byCount);
        return { month: bucket, total: byReason.reduce((s, r) => s + r.count, 0), byReason };
      }),
    };
  }

  /** 2. Lost clients and revenue per bucket and for the period, against the active clients at each start. */
  async lostBusiness(organizationId: string, period: ReportPeriod, grain: Grain): Promise<LostBusinessReport> {
    const buckets = bucketsOf(period, grain);
    const [rows, active] = await Promise.all([
      this.goneByMonth(organizationId, period),
      this.pool.query<{ day: string; active: number }>(ACTIVE_AT, [organizationId, [...new Set([period.from, ...buckets.map((b) => b.from)])]]),
    ]);
    const activeAt = new Map(active.rows.map((r) => [r.day, r.active]));
    const lost = new Map<string, { clients: number; revenue: number }>();
    for (const r of rows) {
      for (const key of [bucketOfMonth(r.month, grain), 'total']) {
        const l = lost.get(key) ?? { clients: 0, revenue: 0 };
        l.clients += r.clients;
        l.revenue += Number(r.revenue);
        lost.set(key, l);
      }
    }
    const row = (b: BucketBounds): LostBusinessRow => {
      const l = lost.get(b.bucket) ?? { clients: 0, revenue: 0 };
      const activeAtStart = activeAt.get(b.from) ?? 0;
      return { ...b, lostClients: l.clients, lostRevenue: money(l.revenue), activeAtStart, churnRate: ratio(l.clients, activeAtStart) };
    };
    return { period, grain, buckets: buckets.map(row), total: row({ bucket: 'total', from: period.from, to: period.to }) };
  }

  /** 3. Reasons ranked by the lost revenue of the clients who left for them (unknown included, flagged). */
  async reasonsByRevenue(organizationId: string, period: ReportPeriod): Promise<ReasonsByRevenueReport> {
    const rows = await this.goneByMonth(organizationId, period);
    const reasons = new Map<string | null, { reasonId: string | null; label: string | null; clients: number; revenue: number }>();
    for (const r of rows) {
      const reason = reasons.get(r.reason_id) ?? { reasonId: r.reason_id, label: r.label, clients: 0, revenue: 0 };
      reason.clients += r.clients;
      reason.revenue += Number(r.revenue);
      reasons.set(r.reason_id, reason);
    }
    const clients = rows.reduce((s, r) => s + r.clients, 0);
    const lostRevenue = money([...reasons.values()].reduce((s, r) => s + r.revenue, 0));
    return {
      period,
      clients,
      lostRevenue,
      reasons: [...reasons.values()]
        .map((r) => ({
          reasonId: r.reasonId,
          label: r.label,
          unknown: r.reasonId === null,
          clients: r.clients,
          lostRevenue: money(r.revenue),
          share: ratio(money(r.revenue), lostRevenue),
          averageRevenue: money(r.revenue / r.clients),
        }))
        .sort((a, b) => b.lostRevenue - a.lostRevenue || b.clients - a.clients || (a.unknown ? 1 : b.unknown ? -1 : 0)),
    };
  }

  /**
   * 4. For (client, staff member) pairs first seen in the period: who came back within the window.
   * `tiers: 'daily'` reads every pair instead of the monthly histograms (same figures, slower).
   */
  async retentionByStaff(organizationId: string, period: ReportPeriod, windowDays: number, tiers: 'auto' | 'daily' = 'auto'): Promise<RetentionByStaffReport> {
    const { today } = await this.organizationToday(organizationId);
    // A pair has matured when first_on + window <= today, i.e. first_on <= today - window.
    const lastMatured = iso(new Date(dateOf(today).getTime() - windowDays * 86_400_000));
    const plan = planTiers(period, { splitAfter: lastMatured, daily: tiers === 'daily' });
    const [histogram, staff] = await Promise.all([
      this.queryWithMemory<{ staff_member_id: string; matured: boolean; days: number | null; n: number; n_same: number }>(RETENTION_HISTOGRAM, [
        organizationId, plan.months, plan.dayFrom, plan.dayTo, lastMatured,
      ]),
      this.pool.query<{ id: string; name: string }>(STAFF_BY_NAME, [organizationId]),
    ]);
    type Tally = { newClients: number; matured: number; returned: number; returnedSame: number; cameOnce: number; days: Map<number, number> };
    const tallies = new Map<string, Tally>();
    for (const h of histogram) {
      let t = tallies.get(h.staff_member_id);
      if (!t) tallies.set(h.staff_member_id, (t = { newClients: 0, matured: 0, returned: 0, returnedSame: 0, cameOnce: 0, days: new Map() }));
      t.newClients += h.n;
      if (h.days === null) t.cameOnce += h.n;
      else if (h.n > 0) t.days.set(h.days, (t.days.get(h.days) ?? 0) + h.n);
      if (h.matured) {
        t.matured += h.n;
        if (h.days !== null && h.days <= windowDays) {
          t.returned += h.n;
          t.returnedSame += h.n_same;
        }
      }
    }
    const byName = new Map(staff.rows.map((s, i) => [s.id, { name: s.name, rank: i }]));
    const rows = [...tallies.entries()]
      .filter(([id, t]) => t.newClients > 0 && byName.has(id))
      .sort(([a, ta], [b, tb]) => tb.newClients - ta.newClients || byName.get(a)!.rank - byName.get(b)!.rank);
    return {
      period,
      windowDays,
      asOf: today,
      staff: rows.map(([id, t]) => ({
        staffMemberId: id,
        name: byName.get(id)!.name,
        newClients: t.newClients,
        matured: t.matured,
        returnedWithinWindow: t.returned,
        returnedToSameStaffWithinWindow: t.returnedSame,
        cameOnce: t.cameOnce,
        repeatRate: ratio(t.returned, t.matured),
        medianDaysToReturn: medianOfCounts(t.days),
      })),
    };
  }

  /**
   * 5. Visits, revenue, average and median check: overall, per bucket, staff member and service;
   * the distribution. `tiers: 'daily'` reads every day instead of whole months (same figures).
   */
  async averageCheck(organizationId: string, period: ReportPeriod, grain: Grain, tiers: 'auto' | 'daily' = 'auto'): Promise<AverageCheckReport> {
    const plan = planTiers(period, { daily: tiers === 'daily' });
    const rows = await this.queryWithMemory<{
      kind: 'overall' | 'bucket' | 'staff' | 'service' | 'amount'; key: string | null; name: string | null; visits: number; revenue: string;
      q1: number | null; median: number | null; q3: number | null;
    }>(AVERAGE_CHECK, [organizationId, plan.months, plan.dayFrom, plan.dayTo, grain]);
    const stats = (r: { visits: number; revenue: string; median: number | null } | undefined): CheckStats =>
      r ? { visits: r.visits, revenue: money(r.revenue), average: r.visits ? money(Number(r.revenue) / r.visits) : null, median: r.median } : { visits: 0, revenue: 0, average: null, median: null };
    const of = (kind: string) => rows.filter((r) => r.kind === kind);
    const byRevenue = (a: CheckStats, b: CheckStats) => b.revenue - a.revenue || b.visits - a.visits;
    const overall = of('overall')[0];
    const buckets = new Map(of('bucket').map((r) => [r.key, r]));
    const amounts = of('amount').map((r) => ({ amount: Number(r.key), visits: r.visits })).sort((a, b) => a.amount - b.amount);
    return {
      period,
      grain,
      overall: stats(overall),
      buckets: bucketsOf(period, grain).map((b) => ({ ...b, ...stats(buckets.get(b.bucket)) })),
      staff: of('staff').map((r) => ({ staffMemberId: r.key, name: r.name, ...stats(r) })).sort(byRevenue),
      services: of('service').map((r) => ({ serviceId: r.key, name: r.name, ...stats(r) })).sort(byRevenue),
      distribution: {
        bins: histogramBins(amounts),
        quartiles: { q1: overall?.q1 ?? null, median: overall?.median ?? null, q3: overall?.q3 ?? null },
        min: amounts.length ? amounts[0].amount : null,
        max: amounts.length ? amounts[amounts.length - 1].amount : null,
      },
    };
  }

  /** 6. Voluntary / involuntary / passive gone episodes per month of leaving, with lost revenue and gradual drift. */
  async churnTypes(organizationId: string, period: ReportPeriod): Promise<ChurnTypesReport> {
    const rows = await this.goneByMonth(organizationId, period);
    const zero = (): ChurnTypeCounts => ({ voluntary: 0, involuntary: 0, passive: 0, untyped: 0 });
    const empty = (month: string): ChurnTypesRow => ({ month, total: 0, counts: zero(), lostRevenue: zero(), gradual: 0 });
    const months = new Map(bucketsOf(period, 'month').map((b) => [b.bucket, empty(b.bucket)]));
    const total = empty('total');
    for (const r of rows) {
      for (const target of [months.get(r.month)!, total]) {
        const type = r.churn_type ?? 'untyped';
        target.total += r.clients;
        target.counts[type] += r.clients;
        target.lostRevenue[type] = money(target.lostRevenue[type] + Number(r.revenue));
        if (r.gradual) target.gradual += r.clients;
      }
    }
    return { period, months: [...months.values()], total };
  }

  /** 7. Clients who came back after being lost, next review first (overdue ones lead), one page. */
  async intensiveCare(organizationId: string, period: ReportPeriod | null, page: { limit: number; offset: number }): Promise<IntensiveCareReport> {
    const { timezone, today } = await this.organizationToday(organizationId);
    const { rows } = await this.pool.query<{
      episode_id: string; client_id: string; client_name: string; returned_on: string; usual_gap_days: number | null; revenue_12m: string;
      visits: number; spend: string; days_since_return: number; reviewed_on: string | null; next_review_on: string; total: number;
    }>(INTENSIVE_CARE, [organizationId, period?.from ?? null, period?.to ?? null, timezone, page.limit, page.offset, today]);
    const total = rows.length
      ? rows[0].total
      : (await this.pool.query<{ total: number }>(INTENSIVE_CARE_COUNT, [organizationId, period?.from ?? null, period?.to ?? null, timezone])).rows[0].total;
    return {
      period,
      asOf: today,
      total,
      limit: page.limit,
      offset: page.offset,
      rows: rows.map((r) => ({
        episodeId: r.episode_id,
        clientId: r.client_id,
        clientName: r.client_name,
        returnedAt: r.returned_on,
        usualGapDays: r.usual_gap_days,
        revenue12m: money(r.revenue_12m),
        visitsSinceReturn: r.visits,
        spendSinceReturn: money(r.spend),
        expectedVisitsSinceReturn: r.usual_gap_days ? Math.round((r.days_since_return / r.usual_gap_days) * 10) / 10 : null,
        lastReviewedAt: r.reviewed_on,
        nextReviewOn: r.next_review_on,
        overdue: r.next_review_on < today,
      })),
    };
  }

  /**
   * Records a six-monthly review of a client who came back. Refuses an episode of another
   * organization (as if it did not exist) and one that is not 'returned'.
   */
  async recordCareReview(organizationId: string, episodeId: string, accountId: string | null, note: string | null): Promise<void> {
    if (!/^\d{1,18}$/.test(episodeId)) throw new ReportError('EPISODE_NOT_FOUND', `no episode ${episodeId}`);
    const inserted = await this.pool.query(INSERT_CARE_REVIEW, [organizationId, episodeId, accountId, note]);
    if (inserted.rowCount === 1) return;
    const { rows } = await this.pool.query<{ status: string }>(`SELECT status FROM churn_episodes WHERE id = $1 AND organization_id = $2`, [episodeId, organizationId]);
    if (rows.length === 0) throw new ReportError('EPISODE_NOT_FOUND', `no episode ${episodeId} in this organization`);
    throw new ReportError('EPISODE_NOT_RETURNED', `episode ${episodeId} is ${rows[0].status}: only clients who came back are reviewed`);
  }

  /** When the rollups were last rebuilt (null: never), so pages can say "figures as of ...". */
  async rollupState(organizationId: string): Promise<RollupState> {
    const { rows } = await this.pool.query<{ refreshed_at: Date; seconds: number }>(ROLLUP_STATE, [organizationId]);
    return rows.length ? { refreshedAt: rows[0].refreshed_at, seconds: rows[0].seconds } : { refreshedAt: null, seconds: null };
  }
}
