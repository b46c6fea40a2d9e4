/**
 * `npm run bench -- reports [--clients 1000000] [--reuse] [--keep] [--skip-refresh]`
 *
 * The report queries on demo data (by default 1,000,000 clients, about 20M visits over four
 * years), through the real services on the local PostgreSQL:
 *  1. rollup refresh of the organization (ReportRollupsService.refresh), timed and printed;
 *  2. every report for the last full 12 months, warm: median and max of 5 runs each.
 *  3. the lost-clients list page (50 rows and the count of all matching; page 1 and a deep page
 *     by cursor, each sort, two filter sets), the same way.
 * Floors: every report's median under 500 ms, every list page's under 200 ms (exit 1 otherwise).
 * The data is generated and imported by `comeback demo-data` and swept once by the lapse
 * detector (full cadence sweep) to have episodes; then, not timed, reasons are given to about
 * three gone episodes in four and a review to some returned ones, as staff would. --reuse keeps
 * an existing database (migrating it to the latest schema); --keep leaves it for later runs
 * (at 1M clients it is named comeback_bench_reports).
 */
import { spawnSync } from 'node:child_process';
import { Pool } from 'pg';
import { loadConfig } from '@comeback/config';
import { createNestApp } from '@comeback/platform';
import { LAPSE_DETECTOR_ENV } from '../apps/lapse-detector/src/config';
import { SweepModule } from '../apps/lapse-detector/src/sweep/sweep.module';
import { SweepPlannerService } from '../apps/lapse-detector/src/sweep/sweep-planner.service';
import { ReportQueriesService } from '../apps/report/src/reports/report-queries.service';
import { ReportRollupsService } from '../apps/report/src/reports/report-rollups.service';
import type { ReportPeriod } from '../apps/report/src/reports/report-period';
import { LostClientsService } from '../apps/report/src/lost-clients/lost-clients.service';
import { parseLostClientsQuery } from '../apps/report/src/lost-clients/dto/lost-clients-query.dto';
import { adminQuery, benchDatabaseUrl, benchFlag, benchOption, REPO_ROOT as root } from './bench-support';

const clients = Number(benchOption('clients', '1000000'));
const dbName = clients === 1_000_000 ? 'comeback_bench_reports' : `comeback_bench_reports_${clients}`;
const REPORT_FLOOR_MS = 500;
const LIST_FLOOR_MS = 200;
const RUNS = 5;

function cli(argv: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, ['bin/comeback.js', ...argv], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`comeback ${argv.join(' ')} exited ${r.status}\n${r.stderr}`);
  return r.stdout;
}

async function sweepOnce(url: string, org: string): Promise<void> {
  const config = loadConfig('lapse-detector', LAPSE_DETECTOR_ENV, {
    DATABASE_URL: url, REDIS_PREFIX: `bench-reports-${process.pid}`, LOG_LEVEL: 'warn', LAPSE_WORKER_CONCURRENCY: '2', LAPSE_SCHEDULER_SYNC_SECONDS: '86400',
  });
  const app = await createNestApp({ app: 'lapse-detector', config, imports: [SweepModule.forRoot(config)] });
  await app.init();
  try {
    const pool = new Pool({ connectionString: url, max: 1 });
    const id = await app.get(SweepPlannerService).request(org, 'on_demand', { full: true });
    for (;;) {
      const row = (await pool.query(`SELECT status, error FROM lapse_sweeps WHERE id = $1`, [id])).rows[0];
      if (row.status === 'failed') throw new Error(`sweep failed: ${row.error}`);
      if (row.status === 'done') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await pool.end();
  } finally {
    await app.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const url = benchDatabaseUrl(dbName);
  const exists = (await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [dbName])).length === 1;
  if (!benchFlag('reuse') || !exists) {
    await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    console.log(`creating ${dbName} and loading ${clients} demo clients (comeback demo-data, child process, not timed) ...`);
    cli(['migrate', '--create-database'], { DATABASE_URL: url });
    console.log(cli(['demo-data', '--clients', String(clients)], { DATABASE_URL: url }).trim());
  } else {
    cli(['migrate'], { DATABASE_URL: url });
  }
  const pool = new Pool({ connectionString: url, max: 4 });
  const org = (await pool.query<{ id: string }>(`SELECT id FROM organizations WHERE slug = 'demo-clinic'`)).rows[0].id;
  if ((await pool.query(`SELECT 1 FROM churn_episodes WHERE organization_id = $1 LIMIT 1`, [org])).rowCount === 0) {
    console.log('full lapse sweep, for the episodes (not timed) ...');
    await pool.query(`VACUUM ANALYZE`);
    await sweepOnce(url, org);
  }
  const seeded = (await pool.query(`SELECT 1 FROM churn_reasons WHERE organization_id = $1 LIMIT 1`, [org])).rowCount === 1;
  if (!seeded) {
    console.log('reasons on three gone episodes in four (not timed) ...');
    await pool.query(
      `INSERT INTO churn_reasons (organization_id, label)
       SELECT $1, l FROM unnest(ARRAY['Moved away','Too expensive','Unhappy with the doctor','Waiting times','Found another clinic','Health improved']) l`,
      [org],
    );
    await pool.query(
      `UPDATE churn_episodes e SET reason_id = r.id
         FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM churn_reasons WHERE organization_id = $1) r
        WHERE e.organization_id = $1 AND e.lapsed_at IS NOT NULL AND e.id % 8 < 6 AND r.n = (e.id * 7 + e.client_id) % 6`,
      [org],
    );
  }
  // A full sweep of generated history leaves every lapsed client lapsed (the demo data has no
  // comebacks after a lapse); one gone episode in ten is marked returned 20-220 days after leaving,
  // so the intensive-care list and the active-client deltas have comebacks to read. Every third
  // of those has a review.
  if ((await pool.query(`SELECT 1 FROM churn_episodes WHERE organization_id = $1 AND status = 'returned' LIMIT 1`, [org])).rowCount === 0) {
    console.log('returns on one gone episode in ten, reviews on every third returned one (not timed) ...');
    await pool.query(
      `UPDATE churn_episodes e SET status = 'returned', returned_at = (e.left_on + 20 + ((e.id * 13) % 200)::int + time '10:00') AT TIME ZONE o.timezone
         FROM organizations o
        WHERE o.id = e.organization_id AND e.organization_id = $1 AND e.status = 'lapsed' AND e.id % 10 = 3
          AND ((e.left_on + 20 + ((e.id * 13) % 200)::int + time '10:00') AT TIME ZONE o.timezone) < now()`,
      [org],
    );
    await pool.query(
      `INSERT INTO care_reviews (organization_id, episode_id, reviewed_at, note)
       SELECT organization_id, id, returned_at + interval '150 days', 'bench' FROM churn_episodes
        WHERE organization_id = $1 AND status = 'returned' AND id % 3 = 0 AND returned_at + interval '150 days' < now()`,
      [org],
    );
    // Statistics and visibility for what was just loaded, swept and seeded (not timed).
    await pool.query(`VACUUM ANALYZE`);
  }
  const counts = (
    await pool.query(
      `SELECT (SELECT count(*) FROM clients WHERE organization_id = $1)::int AS clients, (SELECT count(*) FROM visits WHERE organization_id = $1)::int AS visits,
              (SELECT count(*) FROM churn_episodes e WHERE organization_id = $1 AND lapsed_at IS NOT NULL AND status <> 'dismissed')::int AS gone,
              (SELECT count(*) FROM churn_episodes WHERE organization_id = $1 AND status = 'returned')::int AS returned`,
      [org],
    )
  ).rows[0];

  const rollups = new ReportRollupsService(pool);
  const reports = new ReportQueriesService(pool);
  // --skip-refresh: time the reports on the rollups already built (with --reuse, when only a query changed).
  const skipRefresh = benchFlag('skip-refresh');
  if (!skipRefresh) console.log('rollup refresh ...');
  const refresh = skipRefresh ? null : await rollups.refresh(org);
  const sizes = (
    await pool.query(
      `SELECT (SELECT count(*) FROM report_daily_sales WHERE organization_id = $1)::int AS daily_sales,
              (SELECT count(*) FROM report_staff_firsts WHERE organization_id = $1)::int AS staff_firsts,
              (SELECT count(*) FROM report_active_deltas WHERE organization_id = $1)::int AS active_deltas`,
      [org],
    )
  ).rows[0];

  // The last full 12 months in the organization's timezone.
  const { today } = await reports.organizationToday(org);
  const end = new Date(`${today.slice(0, 7)}-01T00:00:00Z`);
  const period: ReportPeriod = {
    from: new Date(Date.UTC(end.getUTCFullYear() - 1, end.getUTCMonth(), 1)).toISOString().slice(0, 10),
    to: new Date(end.getTime() - 86_400_000).toISOString().slice(0, 10),
    kind: 'custom',
  };
  const cases: [string, () => Promise<unknown>, (r: never) => number, number?][] = [
    ['gone', () => reports.gone(org, period), (r: { total: number }) => r.total],
    ['lost-business (month)', () => reports.lostBusiness(org, period, 'month'), (r: { buckets: unknown[] }) => r.buckets.length],
    ['lost-business (quarter)', () => reports.lostBusiness(org, period, 'quarter'), (r: { buckets: unknown[] }) => r.buckets.length],
    ['reasons-by-revenue', () => reports.reasonsByRevenue(org, period), (r: { reasons: unknown[] }) => r.reasons.length],
    ['retention-by-staff', () => reports.retentionByStaff(org, period, 90), (r: { staff: unknown[] }) => r.staff.length],
    ['average-check (month)', () => reports.averageCheck(org, period, 'month'), (r: { staff: unknown[]; services: unknown[]; buckets: unknown[] }) => r.staff.length + r.services.length + r.buckets.length],
    ['churn-types', () => reports.churnTypes(org, period), (r: { months: unknown[] }) => r.months.length],
    ['intensive-care (year, page 1)', () => reports.intensiveCare(org, period, { limit: 50, offset: 0 }), (r: { rows: unknown[] }) => r.rows.length],
    ['intensive-care (all, page 1)', () => reports.intensiveCare(org, null, { limit: 50, offset: 0 }), (r: { rows: unknown[] }) => r.rows.length],
  ];

  // The lost-clients list page (50 rows and the count of all matching), as the console asks for it.
  const lost = new LostClientsService(pool);
  const { timezone } = await reports.organizationToday(org);
  const busiest = (
    await pool.query<{ staff: string; service: string }>(
      `SELECT mode() WITHIN GROUP (ORDER BY staff_member_id)::text AS staff, mode() WITHIN GROUP (ORDER BY service_id)::text AS service
         FROM churn_episodes WHERE organization_id = $1 AND status IN ('at_risk', 'lapsed')`,
      [org],
    )
  ).rows[0];
  let deep: string | undefined; // the cursor of page 21, walked to untimed
  for (let i = 0; i < 20; i++) deep = (await lost.page(org, timezone, parseLostClientsQuery({ after: deep }))).next ?? undefined;
  const listPage = (q: Record<string, string | undefined>) => () => lost.page(org, timezone, parseLostClientsQuery(q));
  const listRows = (r: { rows: unknown[] }) => r.rows.length;
  cases.push(
    ['list: by value, page 1', listPage({}), listRows, LIST_FLOOR_MS],
    ['list: by value, page 21', listPage({ after: deep }), listRows, LIST_FLOOR_MS],
    ['list: most overdue', listPage({ sort: 'overdue' }), listRows, LIST_FLOOR_MS],
    ['list: newest detections', listPage({ sort: 'detected' }), listRows, LIST_FLOOR_MS],
    ['list: lapsed, staff, tier 1', listPage({ status: 'lapsed', staff: busiest.staff, tier: '1' }), listRows, LIST_FLOOR_MS],
    ['list: no reason, service, overdue', listPage({ reason: 'none', service: busiest.service, sort: 'overdue' }), listRows, LIST_FLOOR_MS],
  );

  const results: { name: string; median: number; max: number; rows: number; detail: string; floor: number }[] = [];
  for (const [name, run, rowsOf, floor = REPORT_FLOOR_MS] of cases) {
    let last: unknown = await run(); // warm-up
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      last = await run();
      times.push(performance.now() - t);
    }
    const total = (last as { total?: unknown }).total;
    const detail = name.startsWith('intensive') || name.startsWith('list') ? `of ${total as number}` : name === 'gone' ? 'gone clients' : '';
    results.push({ name, median: median(times), max: Math.max(...times), rows: rowsOf(last as never), detail, floor });
  }
  await pool.end();

  const ok = results.every((r) => r.median < r.floor);
  console.log('');
  console.log('benchmark: reports');
  console.log(`  data            ${counts.clients} clients, ${counts.visits} visits, ${counts.gone} gone episodes, ${counts.returned} returned (demo-clinic, database ${dbName})`);
  console.log(
    refresh
      ? `  rollup refresh  ${refresh.seconds.toFixed(1)} s  (${Object.entries(refresh.steps).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')})`
      : '  rollup refresh  skipped (--skip-refresh)',
  );
  console.log(`                  rows: daily sales ${sizes.daily_sales}, staff firsts ${sizes.staff_firsts}, active deltas ${sizes.active_deltas}`);
  console.log(`  period          ${period.from} .. ${period.to} (the last full 12 months), warm, ${RUNS} runs each`);
  console.log(`  ${'report'.padEnd(36)} ${'ms (median)'.padStart(12)} ${'ms (max)'.padStart(10)} ${'floor'.padStart(6)} ${'rows'.padStart(8)}`);
  for (const r of results) {
    const mark = r.median < r.floor ? '' : '  OVER';
    console.log(`  ${r.name.padEnd(36)} ${r.median.toFixed(1).padStart(12)} ${r.max.toFixed(1).padStart(10)} ${String(r.floor).padStart(6)} ${String(r.rows).padStart(8)} ${r.detail}${mark}`);
  }
  console.log(`  floors: every report's median under ${REPORT_FLOOR_MS} ms, every list page's under ${LIST_FLOOR_MS} ms: ${ok ? 'met' : 'NOT MET'}`);
  if (!benchFlag('keep')) await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  if (!ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
