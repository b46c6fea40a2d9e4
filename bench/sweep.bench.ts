/**
 * `npm run bench -- sweep [--clients 1000000] [--reuse] [--keep] [--holdout-clients 100000]`
 *
 * The lapse detector on demo data, through its real services (Nest app of the lapse-detector,
 * BullMQ worker with LAPSE_WORKER_CONCURRENCY=2 on the local Redis, the local PostgreSQL):
 *  1. full sweep (cadence) of every client                         floor: under 60 s at 1M clients
 *  2. a day of 50,000 new visits, then the incremental sweep       floor: under 10 s
 *  3. BG/NBD fit on every client's summary (SQL grouping + fit)    floor: under 10 s
 *  4. full sweep under BG/NBD
 * and the peak RSS of this process, which runs the service        ceiling: 500 MB.
 * Then the holdout comparison of both methods (precision / recall of "lapsed" against who really
 * came back) on CDNOW and on a smaller demo set, through `comeback lapse holdout`.
 * The demo data is generated and imported by `comeback demo-data` in a child process (not timed,
 * not in the RSS). --reuse keeps an existing bench database.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { loadConfig } from '@comeback/config';
import { createNestApp } from '@comeback/platform';
import { LAPSE_DETECTOR_ENV } from '../apps/lapse-detector/src/config';
import { SweepModule } from '../apps/lapse-detector/src/sweep/sweep.module';
import { SweepPlannerService } from '../apps/lapse-detector/src/sweep/sweep-planner.service';
import { adminQuery, benchDatabaseUrl, benchFlag, benchOption, REPO_ROOT as root } from './bench-support';

const clients = Number(benchOption('clients', '1000000'));
const holdoutClients = Number(benchOption('holdout-clients', '100000'));
const dbName = `comeback_bench_sweep_${clients}`;
const FULL_FLOOR_S = 60;
const INCREMENTAL_FLOOR_S = 10;
const FIT_FLOOR_S = 10;
const RSS_CEILING_MB = 500;

function cli(argv: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, ['bin/comeback.js', ...argv], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`comeback ${argv.join(' ')} exited ${r.status}\n${r.stderr}`);
  return r.stdout;
}

async function databaseExists(): Promise<boolean> {
  return (await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [dbName])).length === 1;
}

const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');

async function main(): Promise<void> {
  const url = benchDatabaseUrl(dbName);
  if (!benchFlag('reuse') || !(await databaseExists())) {
    await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    console.log(`creating ${dbName} and loading ${clients} demo clients (comeback demo-data, child process, not timed) ...`);
    cli(['migrate', '--create-database'], { DATABASE_URL: url });
    console.log(cli(['demo-data', '--clients', String(clients)], { DATABASE_URL: url }).trim());
  }
  const pool = new Pool({ connectionString: url, max: 2 });
  const org = (await pool.query<{ id: string }>(`SELECT id FROM organizations WHERE slug = 'demo-clinic'`)).rows[0].id;
  // Start from nothing detected, with the default (cadence) settings.
  await pool.query(`UPDATE organizations SET lapse_settings = '{}' WHERE id = $1`, [org]);
  await pool.query(`TRUNCATE churn_episodes, client_rhythms, lapse_sweeps CASCADE`);
  await pool.query(`TRUNCATE outbox_events, lapse_model_fits`);
  await pool.query(`DELETE FROM visits WHERE organization_id = $1 AND external_id LIKE 'bench-day-%'`, [org]);
  await pool.query(`VACUUM ANALYZE`);
  const counts = (await pool.query(`SELECT (SELECT count(*) FROM clients)::int AS clients, (SELECT count(*) FROM visits)::int AS visits`)).rows[0];

  const config = loadConfig('lapse-detector', LAPSE_DETECTOR_ENV, {
    DATABASE_URL: url, REDIS_PREFIX: `bench-sweep-${process.pid}`, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', LAPSE_WORKER_CONCURRENCY: '2',
    // The nightly schedulers are not what is measured.
    LAPSE_SCHEDULER_SYNC_SECONDS: '86400',
  });
  const app = await createNestApp({ app: 'lapse-detector', config, imports: [SweepModule.forRoot(config)] });
  await app.init();
  const planner = app.get(SweepPlannerService);

  const sweep = async (full: boolean) => {
    const t = performance.now();
    const id = await planner.request(org, 'on_demand', { full });
    for (;;) {
      const row = (await pool.query(`SELECT status, kind, chunks_total, clients_scored, events_emitted, error FROM lapse_sweeps WHERE id = $1`, [id])).rows[0];
      if (row.status === 'failed') throw new Error(`sweep failed: ${row.error}`);
      if (row.status === 'done') return { ...row, seconds: (performance.now() - t) / 1000 };
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  console.log('full sweep (cadence) ...');
  const full = await sweep(true);
  const statuses = (await pool.query(`SELECT status, count(*)::int AS n FROM client_rhythms WHERE organization_id = $1 GROUP BY 1 ORDER BY 1`, [org])).rows;
  const episodes = (await pool.query(`SELECT status, churn_type, count(*)::int AS n FROM churn_episodes WHERE organization_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`, [org])).rows;

  console.log('a day of 50,000 new visits, then the incremental sweep ...');
  await pool.query(
    `INSERT INTO visits (organization_id, external_id, client_id, visited_at, amount, currency)
     SELECT $1, 'bench-day-' || n, c.id, now() - interval '1 hour', 60, 'GEL'
       FROM (SELECT id, row_number() OVER () AS n FROM clients WHERE organization_id = $1 ORDER BY random() LIMIT 50000) c`,
    [org],
  );
  const incremental = await sweep(false);
  const again = await sweep(false);

  console.log('BG/NBD: fit, then full sweep ...');
  await pool.query(`UPDATE organizations SET lapse_settings = '{"method":"bgnbd"}' WHERE id = $1`, [org]);
  const bgnbd = await sweep(false);
  const fit = (await pool.query(`SELECT r, alpha, a, b, log_likelihood, clients, seconds FROM lapse_model_fits WHERE organization_id = $1 ORDER BY id DESC LIMIT 1`, [org])).rows[0];
  const bgStatuses = (await pool.query(`SELECT status, count(*)::int AS n FROM client_rhythms WHERE organization_id = $1 GROUP BY 1 ORDER BY 1`, [org])).rows;
  const rss = mb();
  await app.close();
  await pool.end();

  console.log('holdout comparison (comeback lapse holdout) ...');
  const cdnowDir = process.env.COMEBACK_SHARED_DATA ?? join(root, 'libs', 'lapse-model', 'fixtures');
  const tmp = join(root, 'tmp', 'bench-sweep');
  mkdirSync(tmp, { recursive: true });
  const cdnowCsv = join(tmp, 'cdnow-sample.csv');
  if (!existsSync(cdnowCsv)) {
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const lines = readFileSync(join(cdnowDir, 'cdnow', 'CDNOW_sample.txt'), 'utf8').trim().split(/\r?\n/);
    writeFileSync(cdnowCsv, 'client_id,date\n' + lines.map((l) => {
      const [, id, d] = l.trim().split(/\s+/);
      return `${id},${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
    }).join('\n') + '\n');
  }
  const cdnow = JSON.parse(cli(['lapse', 'holdout', '--transactions', cdnowCsv, '--calibration-end', '1997-09-30', '--holdout-end', '1998-06-30', '--unit', 'week']));
  const demoDir = join(tmp, `demo-${holdoutClients}`);
  if (!existsSync(join(demoDir, 'visits.csv'))) cli(['demo-data', '--clients', String(holdoutClients), '--out', demoDir]);
  const today = new Date().toISOString().slice(0, 10);
  const calEnd = new Date(Date.now() - 180 * 86_400_000).toISOString().slice(0, 10);
  const demo = JSON.parse(cli(['lapse', 'holdout', '--transactions', join(demoDir, 'visits.csv'), '--id-column', 'client_external_id', '--date-column', 'visited_at', '--calibration-end', calEnd, '--holdout-end', today, '--unit', 'day']));

  console.log('');
  console.log('benchmark: sweep');
  console.log(`  data                 ${counts.clients} clients, ${counts.visits} visits (demo-clinic)`);
  console.log(`  full sweep           ${full.seconds.toFixed(1)} s, ${full.chunks_total} chunks, ${full.clients_scored} clients scored, ${full.events_emitted} events   (floor ${FULL_FLOOR_S} s: ${verdict(full.seconds < FULL_FLOOR_S)})`);
  console.log(`    rhythms            ${statuses.map((s) => `${s.status} ${s.n}`).join(', ')}`);
  console.log(`    episodes           ${episodes.map((e) => `${e.status}/${e.churn_type} ${e.n}`).join(', ')}`);
  console.log(`  incremental sweep    ${incremental.seconds.toFixed(1)} s after 50,000 new visits: ${incremental.clients_scored} clients re-scored, ${incremental.events_emitted} events   (floor ${INCREMENTAL_FLOOR_S} s: ${verdict(incremental.seconds < INCREMENTAL_FLOOR_S)})`);
  console.log(`  same again           ${again.seconds.toFixed(1)} s: ${again.clients_scored} clients re-scored, ${again.events_emitted} events (nothing new)`);
  console.log(`  BG/NBD fit           ${Number(fit.seconds).toFixed(2)} s on ${fit.clients} clients (SQL summaries + fit): r=${fit.r.toFixed(4)} alpha=${fit.alpha.toFixed(2)} a=${fit.a.toFixed(4)} b=${fit.b.toFixed(4)}   (floor ${FIT_FLOOR_S} s: ${verdict(fit.seconds < FIT_FLOOR_S)})`);
  console.log(`  BG/NBD full sweep    ${bgnbd.seconds.toFixed(1)} s including the fit, ${bgnbd.clients_scored} clients, ${bgnbd.events_emitted} events; ${bgStatuses.map((s) => `${s.status} ${s.n}`).join(', ')}`);
  console.log(`  peak RSS             ${rss} MB (this process: the lapse-detector services)   (ceiling ${RSS_CEILING_MB} MB: ${verdict(rss < RSS_CEILING_MB)})`);
  console.log(`  holdout CDNOW        ${JSON.stringify(cdnow)}`);
  console.log(`  holdout demo ${holdoutClients}  calibration end ${calEnd}, holdout to ${today}: ${JSON.stringify(demo)}`);
  if (!benchFlag('keep')) await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
