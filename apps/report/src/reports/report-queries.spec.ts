import type { Pool } from 'pg';
import { createTestDatabase, factories, type TestDatabase } from '@comeback/testing';
import { ReportError } from './report.errors';
import { parseReportPeriod } from './report-period';
import { ReportQueriesService } from './report-queries.service';
import { ReportRollupsService } from './report-rollups.service';

/**
 * Every report against a small clinic in Tbilisi (UTC+4, no daylight saving) whose figures are
 * worked out by hand below. The period is the year 2025. Staff: Ana (A), Beka (B), Gio (G);
 * services: Consultation (S1), Cleaning (S2). Visits, local time (staff, service, amount):
 *
 *   c1  2024-06-10 A S1 100 | 2025-02-05 A S1 100 | 2025-03-20 B S2 60 | 2025-05-02 A S1 100      stays
 *   c2  2024-03-01 B S1 80  | 2024-09-15 B S1 80  | 2025-01-20 B S2 40      gone: left 2025-01-21, "Price", voluntary, 200
 *   c3  2024-12-01 A S1 100 | 2025-04-10 A S1 120                          gone: left 2025-04-11, "Moved", involuntary, gradual, 220
 *   c4  2024-05-05 G S2 50  | 2025-06-30 G S2 50 | 2025-12-20 G S2 50      gone: left 2025-07-01, no reason, passive, 50;
 *                                                                          returned 2025-12-20 (usual gap 200), never reviewed
 *   c5  2024-10-10 A S2 30                                                 gone: left 2024-10-11 (before the period), no reason
 *   c6  2025-01-15 B S1 80                                                 at risk only (never lapsed): not gone
 *   c7  2024-08-08 G S1 90                                                 lapsed but dismissed (left 2025-02-01): not gone
 *   c8  2024-01-10 A S1 100 | 2024-02-10 A S1 100 | 2025-03-10 B S1 100 | 2025-04-09 B S1 100 | 2025-05-09 B S2 60
 *                                                                          gone: left 2024-02-11; returned 2025-03-10 (gap 31),
 *                                                                          reviewed 2025-09-01
 *   c9  2023-05-01 G S1 90  | today-30 G S1 90 | today-15 G S1 90          gone: left 2023-05-02; returned today-30 (gap 15)
 *   c10 2025-03-31 23:30 G S2 45 | 2025-04-01 00:10 A S1 75                 the second visit is still March 31 in UTC
 *   c11 2025-08-20 A S1 110.50                                             new, came once (110.50 rounds to 111 units)
 *   c12 2025-05-15 B S1 80  | 2025-06-15 B S1 80                           gone: left 2025-06-16, "Price", voluntary, 160
 * Another organization has a gone client and visits in 2025 that must not show anywhere.
 */
const TZ = 'Asia/Tbilisi';
const DAY = 86_400_000;
const localToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date());
const daysAgo = (n: number) => new Date(Date.parse(`${localToday()}T12:00:00+04:00`) - n * DAY).toISOString();
const plusMonths = (date: string, months: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate())).toISOString().slice(0, 10);
};
const daysBetween = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / DAY);

describe('report queries on a hand-computed fixture (real PostgreSQL, rollups refreshed by the service)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let reports: ReportQueriesService;
  let rollups: ReportRollupsService;
  let orgId: string;
  let otherOrgId: string;
  const ids: Record<string, string> = {};
  const episodes: Record<string, string> = {};
  const reasons: Record<string, string> = {};
  const staff: Record<string, string> = {};
  const services: Record<string, string> = {};
  const year2025 = parseReportPeriod({ period: '2025' }, '2026-01-15');

  const episode = async (
    org: string,
    client: string,
    o: { status: string; leftOn: string; lapsedAt?: string | null; returnedAt?: string; type?: string; gradual?: boolean; gap?: number; revenue: number; reason?: string },
  ) => {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, left_on, churn_type, gradual, method,
                                   usual_gap_days, revenue_12m, reason_id, lapsed_at, returned_at)
       VALUES ($1, $2, $3, $4::date + 30, $4::date - 1, $4, $5, $6, 'cadence', $7, $8, $9, $10, $11) RETURNING id`,
      [org, client, o.status, o.leftOn, o.type ?? null, o.gradual ?? false, o.gap ?? null, o.revenue, o.reason ?? null,
        o.lapsedAt === undefined ? `${o.leftOn}T12:00:00+04:00` : o.lapsedAt, o.returnedAt ?? null],
    );
    return rows[0].id;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.pool;
    const make = factories(pool);
    orgId = (await make.organization({ timezone: TZ })).id;
    for (const [k, name] of [['A', 'Ana'], ['B', 'Beka'], ['G', 'Gio']]) staff[k] = await make.staffMember(orgId, { name });
    services.S1 = await make.service(orgId, { name: 'Consultation' });
    services.S2 = await make.service(orgId, { name: 'Cleaning' });
    for (const label of ['Price', 'Moved', 'Unused']) {
      reasons[label] = (await pool.query<{ id: string }>(`INSERT INTO churn_reasons (organization_id, label) VALUES ($1, $2) RETURNING id`, [orgId, label])).rows[0].id;
    }
    for (let i = 1; i <= 12; i++) ids[`c${i}`] = await make.client(orgId, { name: `Client ${i}` });
    const visit = (c: string, at: string, s: string, svc: string, amount: number) =>
      make.visits(orgId, ids[c], [at.includes('T') ? at : `${at}T12:00:00+04:00`], amount, { staffMemberId: staff[s], serviceId: services[svc] });
    const plan: [string, string, string, string, number][] = [
      ['c1', '2024-06-10', 'A', 'S1', 100], ['c1', '2025-02-05', 'A', 'S1', 100], ['c1', '2025-03-20', 'B', 'S2', 60], ['c1', '2025-05-02', 'A', 'S1', 100],
      ['c2', '2024-03-01', 'B', 'S1', 80], ['c2', '2024-09-15', 'B', 'S1', 80], ['c2', '2025-01-20', 'B', 'S2', 40],
      ['c3', '2024-12-01', 'A', 'S1', 100], ['c3', '2025-04-10', 'A', 'S1', 120],
      ['c4', '2024-05-05', 'G', 'S2', 50], ['c4', '2025-06-30', 'G', 'S2', 50], ['c4', '2025-12-20T10:00:00+04:00', 'G', 'S2', 50],
      ['c5', '2024-10-10', 'A', 'S2', 30],
      ['c6', '2025-01-15', 'B', 'S1', 80],
      ['c7', '2024-08-08', 'G', 'S1', 90],
      ['c8', '2024-01-10', 'A', 'S1', 100], ['c8', '2024-02-10', 'A', 'S1', 100], ['c8', '2025-03-10', 'B', 'S1', 100],
      ['c8', '2025-04-09', 'B', 'S1', 100], ['c8', '2025-05-09', 'B', 'S2', 60],
      ['c9', '2023-05-01', 'G', 'S1', 90], ['c9', daysAgo(30), 'G', 'S1', 90], ['c9', daysAgo(15), 'G', 'S1', 90],
      // 23:30 and 00:10 in Tbilisi: 19:30Z and 20:10Z, both March 31 in UTC.
      ['c10', '2025-03-31T23:30:00+04:00', 'G', 'S2', 45], ['c10', '2025-04-01T00:10:00+04:00', 'A', 'S1', 75],
      ['c11', '2025-08-20', 'A', 'S1', 110.5],
      ['c12', '2025-05-15', 'B', 'S1', 80], ['c12', '2025-06-15', 'B', 'S1', 80],
    ];
    for (const v of plan) await visit(...v);

    episodes.c2 = await episode(orgId, ids.c2, { status: 'lapsed', leftOn: '2025-01-21', type: 'voluntary', revenue: 200, reason: reasons.Price });
    episodes.c3 = await episode(orgId, ids.c3, { status: 'lapsed', leftOn: '2025-04-11', type: 'involuntary', gradual: true, revenue: 220, reason: reasons.Moved });
    episodes.c4 = await episode(orgId, ids.c4, { status: 'returned', leftOn: '2025-07-01', type: 'passive', gap: 200, revenue: 50, returnedAt: '2025-12-20T10:00:00+04:00' });
    episodes.c5 = await episode(orgId, ids.c5, { status: 'lapsed', leftOn: '2024-10-11', type: 'passive', revenue: 30 });
    episodes.c6 = await episode(orgId, ids.c6, { status: 'at_risk', leftOn: '2025-01-16', lapsedAt: null, type: 'passive', revenue: 80, reason: reasons.Price });
    episodes.c7 = await episode(orgId, ids.c7, { status: 'dismissed', leftOn: '2025-02-01', type: 'voluntary', revenue: 90, reason: reasons.Moved });
    episodes.c8 = await episode(orgId, ids.c8, { status: 'returned', leftOn: '2024-02-11', type: 'passive', gap: 31, revenue: 200, returnedAt: '2025-03-10T12:00:00+04:00' });
    episodes.c9 = await episode(orgId, ids.c9, { status: 'returned', leftOn: '2023-05-02', type: 'passive', gap: 15, revenue: 90, returnedAt: daysAgo(30) });
    episodes.c12 = await episode(orgId, ids.c12, { status: 'lapsed', leftOn: '2025-06-16', type: 'voluntary', revenue: 160, reason: reasons.Price });
    await pool.query(`INSERT INTO care_reviews (organization_id, episode_id, reviewed_at, note) VALUES ($1, $2, '2025-09-01T11:00:00+04:00', 'doing well')`, [orgId, episodes.c8]);

    // Another business: a gone client, visits with its own staff member, a returned episode.
    otherOrgId = (await make.organization({ timezone: 'Europe/Istanbul', country: 'TR', currency: 'TRY' })).id;
    const otherStaff = await make.staffMember(otherOrgId, { name: 'Other' });
    const otherClient = await make.client(otherOrgId);
    await make.visits(otherOrgId, otherClient, ['2024-12-01T10:00:00+03:00', '2025-02-01T10:00:00+03:00', '2025-05-01T10:00:00+03:00'], 500, { staffMemberId: otherStaff });
    await episode(otherOrgId, otherClient, { status: 'lapsed', leftOn: '2025-02-02', type: 'voluntary', revenue: 1000 });
    episodes.other = await episode(otherOrgId, await make.client(otherOrgId), { status: 'returned', leftOn: '2024-01-02', revenue: 10, returnedAt: '2025-03-01T10:00:00+03:00' });

    rollups = new ReportRollupsService(pool);
    reports = new ReportQueriesService(pool);
    await rollups.refresh(orgId);
    await rollups.refresh(otherOrgId);
  });
  afterAll(async () => db.drop());

  it('gone: 4 clients left in 2025 (c2, c3, c4, c12); at-risk, dismissed and earlier leavers do not count', async () => {
    const r = await reports.gone(orgId, year2025);
    expect(r.total).toBe(4);
    // Price: c2 + c12 = 2 (2/4 = 0.5); Moved: c3 = 1 (0.25); unknown: c4 = 1 (0.25). Ties: known reasons first.
    expect(r.reasons).toEqual([
      { reasonId: reasons.Price, label: 'Price', count: 2, share: 0.5 },
      { reasonId: reasons.Moved, label: 'Moved', count: 1, share: 0.25 },
      { reasonId: null, label: null, count: 1, share: 0.25 },
    ]);
    expect(r.monthly.map((m) => m.month)).toEqual(['2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12']);
    expect(r.monthly.filter((m) => m.total > 0)).toEqual([
      { month: '2025-01', total: 1, byReason: [{ reasonId: reasons.Price, count: 1 }] }, // c2 left 01-21
      { month: '2025-04', total: 1, byReason: [{ reasonId: reasons.Moved, count: 1 }] }, // c3 left 04-11
      { month: '2025-06', total: 1, byReason: [{ reasonId: reasons.Price, count: 1 }] }, // c12 left 06-16
      { month: '2025-07', total: 1, byReason: [{ reasonId: null, count: 1 }] }, // c4 left 07-01 (and came back: still left)
    ]);
  });

  it('lost business per quarter: lost clients and revenue against the clients active at each start', async () => {
    const r = await reports.lostBusiness(orgId, year2025, 'quarter');
    /*
     * Active at S = a visit in the 365 days before S, minus clients gone by S (not returned before S):
     *  2025-01-01 (visits 2024-01-02..2024-12-31): c1, c2, c3, c4, c7 = 5
     *             (c5 left 2024-10-11, c8 left 2024-02-11 and back only 2025-03-10: excluded; dismissed c7 counts)
     *  2025-04-01 (2024-04-01..2025-03-31): c1, c3, c4, c6, c7, c8 (returned 03-10), c10 (03-31 local) = 7
     *             (c2 left 01-21, c5 gone)
     *  2025-07-01 (2024-07-01..2025-06-30): c1, c6, c7 (2024-08-08), c8, c10 = 5
     *             (c3 left 04-11, c4 left 07-01 = S, c12 left 06-16, c2, c5 gone)
     *  2025-10-01 (2024-10-01..2025-09-30): c1, c6, c8, c10, c11 = 5
     *             (c7's last visit 2024-08-08 is too old; c4 gone until its return 12-20)
     * Lost: Q1 c2 (200); Q2 c3 + c12 (220 + 160 = 380); Q3 c4 (50); Q4 none. Whole year 4 clients, 630.
     * Churn: Q1 1/5 = 0.2; Q2 2/7 = 0.2857; Q3 1/5 = 0.2; Q4 0/5 = 0; year 4/5 = 0.8.
     */
    expect(r.buckets).toEqual([
      { bucket: '2025-Q1', from: '2025-01-01', to: '2025-03-31', lostClients: 1, lostRevenue: 200, activeAtStart: 5, churnRate: 0.2 },
      { bucket: '2025-Q2', from: '2025-04-01', to: '2025-06-30', lostClients: 2, lostRevenue: 380, activeAtStart: 7, churnRate: 0.2857 },
      { bucket: '2025-Q3', from: '2025-07-01', to: '2025-09-30', lostClients: 1, lostRevenue: 50, activeAtStart: 5, churnRate: 0.2 },
      { bucket: '2025-Q4', from: '2025-10-01', to: '2025-12-31', lostClients: 0, lostRevenue: 0, activeAtStart: 5, churnRate: 0 },
    ]);
    expect(r.total).toEqual({ bucket: 'total', from: '2025-01-01', to: '2025-12-31', lostClients: 4, lostRevenue: 630, activeAtStart: 5, churnRate: 0.8 });
    // Monthly grain: twelve buckets; February starts with c1, c3, c4, c6, c7 (c2 left 01-21, c5 and c8 gone) = 5.
    const monthly = await reports.lostBusiness(orgId, year2025, 'month');
    expect(monthly.buckets).toHaveLength(12);
    expect(monthly.buckets[1]).toEqual({ bucket: '2025-02', from: '2025-02-01', to: '2025-02-28', lostClients: 0, lostRevenue: 0, activeAtStart: 5, churnRate: 0 });
  });

  it('reasons by lost revenue: Price 360, Moved 220, unknown 50', async () => {
    const r = await reports.reasonsByRevenue(orgId, year2025);
    // Total 630. Shares: 360/630 = 0.5714, 220/630 = 0.3492, 50/630 = 0.0794. Averages: 360/2 = 180, 220, 50.
    expect(r).toMatchObject({ clients: 4, lostRevenue: 630 });
    expect(r.reasons).toEqual([
      { reasonId: reasons.Price, label: 'Price', unknown: false, clients: 2, lostRevenue: 360, share: 0.5714, averageRevenue: 180 },
      { reasonId: reasons.Moved, label: 'Moved', unknown: false, clients: 1, lostRevenue: 220, share: 0.3492, averageRevenue: 220 },
      { reasonId: null, label: null, unknown: true, clients: 1, lostRevenue: 50, share: 0.0794, averageRevenue: 50 },
    ]);
  });

  it('retention by staff member: first visits with each staff member in 2025, by local date', async () => {
    /*
     * Pairs first seen in 2025 (F -> N any staff, NS same staff):
     *  Beka: c1 03-20 -> 05-02 (43 days), no NS | c6 01-15 came once | c8 03-10 -> 04-09 (30), NS 30 | c12 05-15 -> 06-15 (31), NS 31
     *  Ana:  c10 04-01 (the 00:10 visit) came once | c11 08-20 came once
     *  Gio:  c10 03-31 (23:30) -> 04-01 (1 day: in UTC both visits are March 31 and this would be "came once")
     * Window 90, all matured. Beka: returned 3 of 4 (0.75), same staff 2, median of 30, 31, 43 = 31.
     */
    const r = await reports.retentionByStaff(orgId, year2025, 90);
    expect(r.windowDays).toBe(90);
    expect(r.staff).toEqual([
      { staffMemberId: staff.B, name: 'Beka', newClients: 4, matured: 4, returnedWithinWindow: 3, returnedToSameStaffWithinWindow: 2, cameOnce: 1, repeatRate: 0.75, medianDaysToReturn: 31 },
      { staffMemberId: staff.A, name: 'Ana', newClients: 2, matured: 2, returnedWithinWindow: 0, returnedToSameStaffWithinWindow: 0, cameOnce: 2, repeatRate: 0, medianDaysToReturn: null },
      { staffMemberId: staff.G, name: 'Gio', newClients: 1, matured: 1, returnedWithinWindow: 1, returnedToSameStaffWithinWindow: 0, cameOnce: 0, repeatRate: 1, medianDaysToReturn: 1 },
    ]);
    // Window 30: of Beka's 43, 30 and 31 days only c8's 30 is within it (same staff too): 1 of 4 = 0.25.
    const narrow = await reports.retentionByStaff(orgId, year2025, 30);
    expect(narrow.staff[0]).toMatchObject({ name: 'Beka', returnedWithinWindow: 1, returnedToSameStaffWithinWindow: 1, repeatRate: 0.25, medianDaysToReturn: 31 });
  });

  it('average check: overall, per quarter (local dates), staff member and service, with the distribution', async () => {
    /*
     * 16 visits in 2025, revenue 1250.50, average 78.16. Amounts in units, sorted:
     *   40 45 50 50 60 60 75 80 80 80 100 100 100 100 111 120
     * q1 = 4th value = 50, median = 8th = 80, q3 = 12th = 100 (smallest amount reaching the share).
     * Q1: c2 40, c6 80, c1 100, c8 100, c1 60, c10 45 (23:30 on 03-31): 6 visits, 425, 70.83, median 3rd of 40 45 60 80 100 100 = 60
     * Q2: c10 75 (00:10 on 04-01), c8 100, c3 120, c1 100, c8 60, c12 80, c12 80, c4 50: 8 visits, 665, 83.13, median 4th of 50 60 75 80 80 100 100 120 = 80
     * Q3: c11 110.50: 1, 110.50, median 111. Q4: c4 50.
     * Beka: 40 60 60 80 80 80 100 100 = 600 / 8 = 75, median 80; Ana: 75 100 100 110.50 120 = 505.50 / 5 = 101.10, median 100;
     * Gio: 45 50 50 = 145 / 3 = 48.33, median 50.
     * Consultation: 10 visits, 945.50, 94.55, median 5th of 75 80 80 80 100 100 100 100 111 120 = 100; Cleaning: 6, 305, 50.83, median 50.
     * Histogram: 40..120 needs steps of 5 (steps of 1 or 2 need 81 or 41 bins): 17 bins [40,45) .. [120,125).
     */
    const r = await reports.averageCheck(orgId, year2025, 'quarter');
    expect(r.overall).toEqual({ visits: 16, revenue: 1250.5, average: 78.16, median: 80 });
    expect(r.buckets).toEqual([
      { bucket: '2025-Q1', from: '2025-01-01', to: '2025-03-31', visits: 6, revenue: 425, average: 70.83, median: 60 },
      { bucket: '2025-Q2', from: '2025-04-01', to: '2025-06-30', visits: 8, revenue: 665, average: 83.13, median: 80 },
      { bucket: '2025-Q3', from: '2025-07-01', to: '2025-09-30', visits: 1, revenue: 110.5, average: 110.5, median: 111 },
      { bucket: '2025-Q4', from: '2025-10-01', to: '2025-12-31', visits: 1, revenue: 50, average: 50, median: 50 },
    ]);
    expect(r.staff).toEqual([
      { staffMemberId: staff.B, name: 'Beka', visits: 8, revenue: 600, average: 75, median: 80 },
      { staffMemberId: staff.A, name: 'Ana', visits: 5, revenue: 505.5, average: 101.1, median: 100 },
      { staffMemberId: staff.G, name: 'Gio', visits: 3, revenue: 145, average: 48.33, median: 50 },
    ]);
    expect(r.services).toEqual([
      { serviceId: services.S1, name: 'Consultation', visits: 10, revenue: 945.5, average: 94.55, median: 100 },
      { serviceId: services.S2, name: 'Cleaning', visits: 6, revenue: 305, average: 50.83, median: 50 },
    ]);
    expect(r.distribution.quartiles).toEqual({ q1: 50, median: 80, q3: 100 });
    expect([r.distribution.min, r.distribution.max]).toEqual([40, 120]);
    const counts = Object.fromEntries(r.distribution.bins.filter((b) => b.visits > 0).map((b) => [`${b.from}-${b.to}`, b.visits]));
    expect(r.distribution.bins).toHaveLength(17);
    expect(r.distribution.bins[0]).toEqual({ from: 40, to: 45, visits: 1 });
    expect(counts).toEqual({ '40-45': 1, '45-50': 1, '50-55': 2, '60-65': 2, '75-80': 1, '80-85': 3, '100-105': 4, '110-115': 1, '120-125': 1 });
  });

  it('partial months: whole months from the monthly rollups, the days around them from the daily ones', async () => {
    /*
     * 2025-03-15 .. 2025-05-10 (March and May partial, April whole), visits by local date:
     *   March: c1 60 (B, 03-20), c10 45 (G, 03-31 23:30): 2 visits, 105, median 45 (1st of 45 60)
     *   April: c8 100 (B), c3 120 (A), c10 75 (A, 04-01 00:10): 3 visits, 295, median 100
     *   May:   c1 100 (A, 05-02), c8 60 (B, 05-09): 2 visits, 160, median 60
     * Overall 7 visits, 560, average 80, median the 4th of 45 60 60 75 100 100 120 = 75.
     * Retention, window 90 (all matured): pairs first seen in the range: Beka c1 03-20 -> 05-02
     * (43 days; c8's first with Beka is 03-10, before it), Gio c10 03-31 -> 04-01 (1), Ana c10
     * 04-01 came once.
     */
    const spring = parseReportPeriod({ from: '2025-03-15', to: '2025-05-10' }, '2026-01-15');
    const check = await reports.averageCheck(orgId, spring, 'month');
    expect(check.overall).toEqual({ visits: 7, revenue: 560, average: 80, median: 75 });
    expect(check.buckets.map((b) => [b.bucket, b.from, b.to, b.visits, b.revenue, b.median])).toEqual([
      ['2025-03', '2025-03-15', '2025-03-31', 2, 105, 45],
      ['2025-04', '2025-04-01', '2025-04-30', 3, 295, 100],
      ['2025-05', '2025-05-01', '2025-05-10', 2, 160, 60],
    ]);
    expect(check.staff.map((r) => [r.name, r.visits, r.revenue])).toEqual([['Ana', 3, 295], ['Beka', 3, 220], ['Gio', 1, 45]]);
    const retention = await reports.retentionByStaff(orgId, spring, 90);
    expect(retention.staff.map((r) => [r.name, r.newClients, r.matured, r.returnedWithinWindow, r.cameOnce, r.medianDaysToReturn])).toEqual([
      ['Ana', 1, 1, 0, 1, null],
      ['Beka', 1, 1, 1, 0, 43],
      ['Gio', 1, 1, 1, 0, 1],
    ]);
  });

  it('reads the same figures from the monthly tiers as from the daily rollups alone, for any range and window', async () => {
    // Windows whose last matured day falls inside a month of 2025 split that month by day.
    const windowsEndingIn = ['2025-03-14', '2025-05-02', '2025-08-31'].map((d) => daysBetween(d, localToday())).filter((w) => w <= 730);
    const periods = [
      year2025,
      parseReportPeriod({ from: '2024-12-31', to: '2025-12-01' }, '2026-01-15'),
      parseReportPeriod({ from: '2025-02-01', to: '2025-06-30' }, '2026-01-15'),
      parseReportPeriod({ from: '2025-03-31', to: '2025-04-01' }, '2026-01-15'),
      parseReportPeriod({ from: '2024-06-10', to: '2025-06-15' }, '2026-01-15'),
    ];
    for (const period of periods) {
      for (const grain of ['month', 'quarter'] as const) {
        expect(await reports.averageCheck(orgId, period, grain)).toEqual(await reports.averageCheck(orgId, period, grain, 'daily'));
      }
      for (const window of [1, 30, 90, 730, ...windowsEndingIn]) {
        expect(await reports.retentionByStaff(orgId, period, window)).toEqual(await reports.retentionByStaff(orgId, period, window, 'daily'));
      }
    }
    // And the tiers were really used: the monthly rollups hold the fixture's months.
    const monthly = await pool.query(`SELECT (SELECT count(*) FROM report_monthly_sales WHERE organization_id = $1)::int AS s, (SELECT count(*) FROM report_staff_return_months WHERE organization_id = $1)::int AS r`, [orgId]);
    expect(monthly.rows[0].s).toBeGreaterThan(10);
    expect(monthly.rows[0].r).toBeGreaterThan(5);
  });

  it('churn types per month of leaving, with lost revenue and gradual drift', async () => {
    // 01: c2 voluntary 200; 04: c3 involuntary 220 (gradual); 06: c12 voluntary 160; 07: c4 passive 50.
    const r = await reports.churnTypes(orgId, year2025);
    const zero = { voluntary: 0, involuntary: 0, passive: 0, untyped: 0 };
    expect(r.months).toHaveLength(12);
    expect(r.months.filter((m) => m.total > 0)).toEqual([
      { month: '2025-01', total: 1, counts: { ...zero, voluntary: 1 }, lostRevenue: { ...zero, voluntary: 200 }, gradual: 0 },
      { month: '2025-04', total: 1, counts: { ...zero, involuntary: 1 }, lostRevenue: { ...zero, involuntary: 220 }, gradual: 1 },
      { month: '2025-06', total: 1, counts: { ...zero, voluntary: 1 }, lostRevenue: { ...zero, voluntary: 160 }, gradual: 0 },
      { month: '2025-07', total: 1, counts: { ...zero, passive: 1 }, lostRevenue: { ...zero, passive: 50 }, gradual: 0 },
    ]);
    expect(r.total).toEqual({
      month: 'total', total: 4, counts: { voluntary: 2, involuntary: 1, passive: 1, untyped: 0 },
      lostRevenue: { voluntary: 360, involuntary: 220, passive: 50, untyped: 0 }, gradual: 1,
    });
  });

  it('intensive care: returned clients, overdue reviews first, visits and spend since return against the old rhythm', async () => {
    const today = localToday();
    const c9Returned = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date(daysAgo(30)));
    /*
     * c8: returned 2025-03-10, reviewed 2025-09-01 -> next 2026-03-01; 2 visits after the return (100 + 60 = 160).
     * c4: returned 2025-12-20, never reviewed -> next 2026-06-20; no visit after the return.
     * c9: returned 30 days ago -> next in 6 months (not overdue); 1 visit since (90); expected 30 / 15 = 2.0.
     * The lapsed c2 and the other organization's returned client are not listed.
     */
    const all = await reports.intensiveCare(orgId, null, { limit: 50, offset: 0 });
    expect(all).toMatchObject({ period: null, asOf: today, total: 3, limit: 50, offset: 0 });
    expect(all.rows).toEqual([
      {
        episodeId: episodes.c8, clientId: ids.c8, clientName: 'Client 8', returnedAt: '2025-03-10', usualGapDays: 31, revenue12m: 200,
        visitsSinceReturn: 2, spendSinceReturn: 160, expectedVisitsSinceReturn: Math.round((daysBetween('2025-03-10', today) / 31) * 10) / 10,
        lastReviewedAt: '2025-09-01', nextReviewOn: '2026-03-01', overdue: today > '2026-03-01',
      },
      {
        episodeId: episodes.c4, clientId: ids.c4, clientName: 'Client 4', returnedAt: '2025-12-20', usualGapDays: 200, revenue12m: 50,
        visitsSinceReturn: 0, spendSinceReturn: 0, expectedVisitsSinceReturn: Math.round((daysBetween('2025-12-20', today) / 200) * 10) / 10,
        lastReviewedAt: null, nextReviewOn: '2026-06-20', overdue: today > '2026-06-20',
      },
      {
        episodeId: episodes.c9, clientId: ids.c9, clientName: 'Client 9', returnedAt: c9Returned, usualGapDays: 15, revenue12m: 90,
        visitsSinceReturn: 1, spendSinceReturn: 90, expectedVisitsSinceReturn: 2, lastReviewedAt: null, nextReviewOn: plusMonths(c9Returned, 6), overdue: false,
      },
    ]);
    // Returned within 2025: c8 and c4. Paged: the second page of one row is c4, the total stays 2.
    const page2 = await reports.intensiveCare(orgId, year2025, { limit: 1, offset: 1 });
    expect(page2.total).toBe(2);
    expect(page2.rows.map((r) => r.episodeId)).toEqual([episodes.c4]);
    const past = await reports.intensiveCare(orgId, year2025, { limit: 10, offset: 5 });
    expect([past.total, past.rows.length]).toEqual([2, 0]);
  });

  it('records a care review (next review six months on) and refuses other episodes', async () => {
    const account = (
      await pool.query<{ id: string }>(
        `INSERT INTO staff_accounts (organization_id, email, display_name, role, password_hash) VALUES ($1, 'nurse@example.com', 'Nurse', 'caller', 'x') RETURNING id`,
        [orgId],
      )
    ).rows[0].id;
    await reports.recordCareReview(orgId, episodes.c8, account, 'called, all well');
    const { rows } = await pool.query(`SELECT reviewed_by, note FROM care_reviews WHERE episode_id = $1 ORDER BY reviewed_at DESC LIMIT 1`, [episodes.c8]);
    expect(rows[0]).toEqual({ reviewed_by: account, note: 'called, all well' });
    const list = await reports.intensiveCare(orgId, year2025, { limit: 50, offset: 0 });
    const c8 = list.rows.find((r) => r.episodeId === episodes.c8)!;
    expect(c8).toMatchObject({ lastReviewedAt: localToday(), nextReviewOn: plusMonths(localToday(), 6), overdue: false });
    expect(list.rows[list.rows.length - 1].episodeId).toBe(episodes.c8);

    const refused = (episodeId: string) => reports.recordCareReview(orgId, episodeId, account, null).then(() => null, (e: ReportError) => e.code);
    expect(await refused(episodes.other)).toBe('EPISODE_NOT_FOUND');
    expect(await refused(episodes.c2)).toBe('EPISODE_NOT_RETURNED');
    expect(await refused('999999999')).toBe('EPISODE_NOT_FOUND');
    expect((await pool.query(`SELECT count(*)::int AS n FROM care_reviews`)).rows[0].n).toBe(2);
  });

  it('refreshing the rollups again changes no figure, and records when it ran', async () => {
    const all = () =>
      Promise.all([
        reports.lostBusiness(orgId, year2025, 'month'),
        reports.retentionByStaff(orgId, year2025, 90),
        reports.averageCheck(orgId, year2025, 'month'),
      ]);
    const before = await all();
    const counts = async () =>
      (
        await pool.query(
          `SELECT (SELECT count(*) FROM report_daily_sales)::int AS a, (SELECT count(*) FROM report_staff_firsts)::int AS b, (SELECT count(*) FROM report_active_deltas)::int AS c,
                  (SELECT count(*) FROM report_monthly_sales)::int AS d, (SELECT count(*) FROM report_staff_return_months)::int AS e`,
        )
      ).rows[0];
    const rowsBefore = await counts();
    const stateBefore = await reports.rollupState(orgId);
    await rollups.refresh(orgId);
    expect(await all()).toEqual(before);
    expect(await counts()).toEqual(rowsBefore);
    const state = await reports.rollupState(orgId);
    expect(state.refreshedAt!.getTime()).toBeGreaterThan(stateBefore.refreshedAt!.getTime());
    expect(state.seconds).toBeGreaterThanOrEqual(0);
    expect(await reports.rollupState('00000000-0000-4000-8000-000000000000')).toEqual({ refreshedAt: null, seconds: null });
  });

  it("keeps the other organization's figures to itself", async () => {
    const r = await reports.gone(otherOrgId, year2025);
    expect(r.total).toBe(1);
    const check = await reports.averageCheck(otherOrgId, year2025, 'quarter');
    // Two visits of 500 in 2025 (Istanbul local dates).
    expect(check.overall).toEqual({ visits: 2, revenue: 1000, average: 500, median: 500 });
  });
});
