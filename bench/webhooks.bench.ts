/**
 * `npm run bench -- webhooks [--duration 20] [--connections 20] [--clients 5000] [--db NAME] [--port 3961] [--only sms|feedback] [--rate N] [--worker-nice 10] [--profile DIR] [--keep]`
 *
 * Issue 6's speed floor: the inbound SMS webhook and the feedback-page submit, each under load
 * from a separate process (autocannon, `bench/webhooks-load.js`) on loopback against the real
 * response collector as it is deployed: its web process (`apps/response-collector/src/main.ts`,
 * which checks and enqueues) and its inbound worker (`apps/response-collector/src/worker.ts`,
 * which writes to the local PostgreSQL what the web process queued in the local Redis), two child
 * processes with the heap cap the apps run with.
 *  1. SMS: every request a different MessageSid, signed with the organization's Twilio token
 *     (`twilio.getExpectedTwilioSignature`), from a client's phone, a digit or free text;
 *  2. feedback: `POST /f/:token` with a reason, words and a rating, one personal link per request.
 * After each scenario the inbound queue is drained and rows are counted: every accepted SMS is one
 * `inbound_requests` row and one `replies` row, every accepted submit one `feedback_responses` row
 * and one feedback reply.
 * Floors, per endpoint: at least 1,000 requests/s, p99 under 50 ms, nothing lost (exit 1 otherwise).
 * The data (organization, clients, episodes, campaigns, sent messages with link tokens) is written
 * by SQL, not timed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { QueueName } from '@comeback/contracts';
import { adminQuery, benchDatabaseUrl, benchFlag, benchOption, REPO_ROOT } from './bench-support';

const duration = Number(benchOption('duration', '20'));
/**
 * Closed loop: each connection sends its next request when the last is answered, so the answers
 * per second are what the app sustains and p99 includes the wait behind the other connections'
 * requests. 20 connections give about three times the floor's 1,000 requests/s here; at 50 the
 * throughput is the same and each request waits behind 2.5 times as many (the README gives both).
 * `--rate` is no steadier: autocannon sends each second's quota at once, at the start of the second.
 */
const connections = Number(benchOption('connections', '20'));
const clients = Number(benchOption('clients', '5000'));
const dbName = benchOption('db', 'comeback_bench_webhooks');
const port = Number(benchOption('port', '3961'));
/** `--only sms|feedback` runs one scenario; `--profile DIR` writes both processes' CPU profiles there (V8 --cpu-prof). */
const only = benchOption('only', 'both');
const profileDir = benchOption('profile', '');
/** `--rate N`: offer N requests/s in all instead of as many as the connections get answered (in bursts: see `connections`). */
const rate = Number(benchOption('rate', '0'));
/**
 * `--worker-nice N` (default 19; 0: none): the inbound worker's CPU niceness. Deployed, the web
 * process and the worker run in pods of their own (k8s/) with CPU of their own; here they share two
 * cores with PostgreSQL, Redis and the load generator, and a worker writing replies as fast as they
 * come takes the web process's CPU. Niced, it writes with what the web process leaves and catches
 * up after the load (the drain time), as a worker pod behind a burst would. Its PostgreSQL
 * backends are not niced: the web process still shares the cores with the worker's writes.
 */
const workerNice = Number(benchOption('worker-nice', '19'));
const FLOORS = { perSecond: 1000, p99Ms: 50 };
/** The response collector's V8 heap cap, web process and worker (their command lines in docker-compose.yml, k8s and the demo). */
const HEAP_CAP = '--max-old-space-size=256';
/** Requests prepared per scenario: far above what the app could take in `duration` seconds (it takes about 5,000/s), so none is sent twice. */
const POOL = Math.max(20_000, duration * 8_000);
const TOKEN = 'bench-twilio-auth-token-0123456789abcdef';
const ACCOUNT_SID = `AC${'b'.repeat(32)}`;

const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LoadResult {
  kind: string;
  used: number;
  exhausted: boolean;
  sent: number;
  total: number;
  twoxx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  requestsPerSecond: number;
  codes: Record<string, number>;
}

/** Runs the load generator in its own process and returns its figures. */
function load(job: Record<string, unknown>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${REPO_ROOT}/bench/webhooks-load.js`, JSON.stringify(job)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadResult);
    });
  });
}

async function main(): Promise<void> {
  const url = benchDatabaseUrl(dbName);
  const prefix = `bench-webhooks-${process.pid}-${Date.now()}`;
  await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${dbName}`);
  const migrate = spawn(process.execPath, ['bin/comeback.js', 'migrate'], { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: url }, stdio: 'inherit' });
  await new Promise((resolve, reject) => migrate.on('exit', (code) => (code === 0 ? resolve(null) : reject(new Error(`migrate exited ${code}`)))));

  const pool = new Pool({ connectionString: url, max: 4 });
  const seed = `bench-${process.pid}-${Date.now()}`;
  const campaignsNeeded = Math.ceil(POOL / clients);
  console.log(`writing ${clients} clients, their episodes, an SMS campaign and ${campaignsNeeded * clients} messages with feedback links (SQL, not timed) ...`);
  process.env.BENCH_TWILIO_TOKEN = TOKEN;
  const settings = { contact: '+995 32 200 00 00', allowedHours: { from: '00:00', to: '23:59' }, frequencyCapDays: 0, providers: { sms: { type: 'twilio', accountSid: ACCOUNT_SID, authTokenEnv: 'BENCH_TWILIO_TOKEN', from: '+995322000000' } } };
  const org = (
    await pool.query<{ id: string }>(
      `INSERT INTO organizations (slug, name, timezone, default_locale, currency, country, messaging_settings)
       VALUES ('bench', 'Bench Clinic', 'Asia/Tbilisi', 'en', 'GEL', 'GE', $1) RETURNING id`,
      [settings],
    )
  ).rows[0].id;
  await pool.query(
    `INSERT INTO clients (organization_id, external_id, name, phone, locale, consent_sms)
     SELECT $1, 'c' || i, 'Client ' || i, '+9955' || lpad(i::text, 8, '0'), 'en', 'granted' FROM generate_series(1, $2) i`,
    [org, clients],
  );
  await pool.query(
    `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, left_on, churn_type, method, revenue_12m, lapsed_at)
     SELECT $1, c.id, 'lapsed', now() - interval '3 days', now() - interval '150 days', current_date - 30, 'passive', 'cadence', 100 + c.id % 900, now() - interval '3 days'
       FROM clients c WHERE c.organization_id = $1`,
    [org],
  );
  const reasons: string[] = [];
  for (const [label, usage] of [['Too expensive', 40], ['Moved away', 30], ['Bad service', 20], ['Waited too long', 10], ['Opening hours', 5]] as const) {
    reasons.push((await pool.query<{ id: string }>(`INSERT INTO churn_reasons (organization_id, label, usage_count) VALUES ($1, $2, $3) RETURNING id::text`, [org, label, usage])).rows[0].id);
  }
  // The SMS campaign: one sent text per client offering three reasons by digit (what a reply is tied to).
  const smsCampaign = (
    await pool.query<{ id: string }>(`INSERT INTO campaigns (organization_id, name, status, template_key, channels, started_at, fanned_out_at) VALUES ($1, 'SMS', 'done', 'ask', '{sms}', now(), now()) RETURNING id::text`, [org])
  ).rows[0].id;
  await pool.query(
    `INSERT INTO campaign_recipients (campaign_id, client_id, organization_id, episode_id, control)
     SELECT $1, e.client_id, $2, e.id, false FROM churn_episodes e WHERE e.organization_id = $2`,
    [smsCampaign, org],
  );
  await pool.query(
    `INSERT INTO messages (organization_id, campaign_id, client_id, channel, status, to_address, locale, content, queued_at, sent_at)
     SELECT $1, $2, c.id, 'sms', 'sent', c.phone, 'en', $3, now() - interval '2 hours', now() - interval '1 hour' FROM clients c WHERE c.organization_id = $1`,
    [org, smsCampaign, { text: 'Why? 1 Too expensive 2 Moved away 3 Bad service', choices: reasons.slice(0, 3) }],
  );
  // Feedback links: campaign k sends client j an e-mail whose token is message number k*clients + j - 1
  // (token = the first 24 base64url characters of SHA-256(seed-i); the load generator derives the same).
  for (let k = 0; k < campaignsNeeded; k++) {
    const campaign = (
      await pool.query<{ id: string }>(
        `INSERT INTO campaigns (organization_id, name, status, template_key, channels, started_at, fanned_out_at) VALUES ($1, $2, 'running', 'ask', '{email}', now(), now()) RETURNING id::text`,
        [org, `Feedback ${k}`],
      )
    ).rows[0].id;
    await pool.query(
      `INSERT INTO campaign_recipients (campaign_id, client_id, organization_id, episode_id, control)
       SELECT $1, e.client_id, $2, e.id, false FROM churn_episodes e WHERE e.organization_id = $2`,
      [campaign, org],
    );
    await pool.query(
      `INSERT INTO messages (organization_id, campaign_id, client_id, channel, status, to_address, locale, content, feedback_token_hash, queued_at, sent_at)
       SELECT $1, $2, c.id, 'email', 'delivered', 'client' || c.id || '@example.test', 'en', '{}',
              sha256(convert_to(left(translate(encode(sha256(convert_to($3::text || '-' || ($4::int * $5::int + row_number() OVER (ORDER BY c.id) - 1), 'UTF8')), 'base64'), '+/', '-_'), 24), 'UTF8')),
              now() - interval '1 day', now() - interval '1 day'
         FROM clients c WHERE c.organization_id = $1`,
      [org, campaign, seed, k, clients],
    );
  }
  await pool.query(`VACUUM ANALYZE`);
  const phones = (await pool.query<{ phone: string }>(`SELECT phone FROM clients WHERE organization_id = $1 ORDER BY id`, [org])).rows.map((r) => r.phone);

  // The app as it runs in production: the web process and the inbound worker, each its own process.
  const publicBase = `http://127.0.0.1:${port}`;
  const env = { ...process.env, DATABASE_URL: url, REDIS_PREFIX: prefix, HOST: '127.0.0.1', PUBLIC_BASE_URL: publicBase, LOG_LEVEL: 'warn', BENCH_TWILIO_TOKEN: TOKEN };
  const start = (script: string, appPort: number, nice = 0): ChildProcess & { exited?: boolean } => {
    const node = [process.execPath, HEAP_CAP, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '-r', './tools/register.js', `apps/response-collector/src/${script}`];
    // `nice` execs node: same pid, and every thread of the process gets the niceness.
    const [cmd, ...args] = nice ? ['nice', '-n', String(nice), ...node] : node;
    const child: ChildProcess & { exited?: boolean } = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...env, PORT: String(appPort) }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', () => (child.exited = true));
    return child;
  };
  const app = start('main.ts', port);
  const worker = start('worker.ts', port + 1, workerNice);
  const startedAt = Date.now();
  for (const [name, child, base] of [['web process', app, publicBase], ['inbound worker', worker, `http://127.0.0.1:${port + 1}`]] as const) {
    for (;;) {
      if (child.exited) throw new Error(`the response collector's ${name} exited during start-up`);
      try {
        if ((await fetch(`${base}/health/ready`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() - startedAt > 60_000) throw new Error(`the response collector's ${name} was not ready after 60 s`);
      await sleep(200);
    }
  }

  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const inbound = new Queue(QueueName.Inbound, { connection: redis, prefix });
  /** Waits until the inbound queue holds nothing waiting, active or delayed; returns seconds waited. */
  const drain = async (): Promise<{ seconds: number; failed: number }> => {
    const t = Date.now();
    for (;;) {
      const c = await inbound.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
      if (c.waiting + c.active + c.delayed + (c.prioritized ?? 0) === 0) return { seconds: (Date.now() - t) / 1000, failed: c.failed };
      if (Date.now() - t > 1_800_000) throw new Error(`inbound queue not drained after 30 minutes: ${JSON.stringify(c)}`);
      await sleep(100);
    }
  };
  const count = async (sql: string, params: unknown[] = []) => (await pool.query<{ n: number }>(sql, params)).rows[0].n;

  interface Outcome { name: string; r: LoadResult; rows: string; lost: number; drainSeconds: number; failedJobs: number; perSecond: number; ok: boolean }
  const outcomes: Outcome[] = [];
  const judge = (name: string, r: LoadResult, accepted: number, rowCounts: number[], rows: string, drained: { seconds: number; failed: number }) => {
    const lost = Math.max(0, ...rowCounts.map((n) => accepted - n));
    const perSecond = r.twoxx / r.duration;
    const ok = perSecond >= FLOORS.perSecond && r.latency.p99 < FLOORS.p99Ms && lost === 0 && r.non2xx === 0 && r.errors === 0 && r.timeouts === 0 && !r.exhausted;
    outcomes.push({ name, r, rows, lost, drainSeconds: drained.seconds, failedJobs: drained.failed, perSecond, ok });
  };

  // 1. Inbound SMS.
  if (only !== 'feedback') {
  console.log(`SMS webhook: ${connections} connections for ${duration} s (${POOL} signed requests prepared) ...`);
  const sms = await load({ kind: 'sms', url: publicBase, publicBase, org, token: TOKEN, accountSid: ACCOUNT_SID, phones, pool: POOL, duration, connections, rate });
  const smsDrain = await drain();
  const smsInbound = await count(`SELECT count(*)::int AS n FROM inbound_requests WHERE source = 'twilio-sms'`);
  const smsProcessed = await count(`SELECT count(*)::int AS n FROM inbound_requests WHERE source = 'twilio-sms' AND status = 'processed'`);
  const smsReplies = await count(`SELECT count(*)::int AS n FROM replies r JOIN inbound_requests i ON i.id = r.inbound_request_id WHERE i.source = 'twilio-sms'`);
  const smsDoubled = await count(`SELECT count(*)::int AS n FROM (SELECT inbound_request_id FROM replies WHERE inbound_request_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d`);
  judge('SMS webhook', sms, sms.twoxx, [smsInbound, smsProcessed, smsReplies - smsDoubled], `${smsInbound} inbound_requests (${smsProcessed} processed), ${smsReplies} replies, ${smsDoubled} requests with more than one reply`, smsDrain);
  }

  // 2. Feedback page submits.
  if (only !== 'sms') {
  console.log(`feedback submit: ${connections} connections for ${duration} s (${POOL} links) ...`);
  const feedback = await load({ kind: 'feedback', url: publicBase, seed, reasons, pool: POOL, duration, connections, rate });
  const feedbackDrain = await drain();
  // Both in one snapshot: submits still in flight when the load stopped commit while we count.
  const fb = (await pool.query<{ responses: number; replies: number }>(`SELECT (SELECT count(*)::int FROM feedback_responses) AS responses, (SELECT count(*)::int FROM replies WHERE channel = 'feedback') AS replies`)).rows[0];
  const [responses, feedbackReplies] = [fb.responses, fb.replies];
  judge('feedback submit', feedback, feedback.twoxx, [responses, feedbackReplies], `${responses} feedback_responses (distinct links), ${feedbackReplies} feedback replies`, feedbackDrain);
  }

  const rss = { web: peakRssMb(app.pid!), worker: peakRssMb(worker.pid!) };
  for (const child of [app, worker]) {
    child.kill('SIGTERM');
    if (!child.exited) await new Promise((r) => child.once('exit', r));
  }

  // Nothing of this run is left in Redis: every queue of the contract, whatever it holds.
  await inbound.close();
  for (const name of Object.values(QueueName)) {
    const q = new Queue(name, { connection: redis, prefix });
    await q.obliterate({ force: true });
    await q.close();
  }
  await redis.quit();
  await pool.end();
  if (!benchFlag('keep')) await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);

  console.log('');
  console.log('benchmark: webhooks');
  console.log(`  load            autocannon in its own process, ${connections} connections${rate ? `, offered rate ${rate} req/s` : ''}, ${duration} s per endpoint, loopback; web process and inbound worker${workerNice ? ` (nice ${workerNice})` : ''}, heap cap ${HEAP_CAP} each`);
  for (const o of outcomes) {
    const r = o.r;
    console.log(`  ${o.name}`);
    console.log(`    requests      ${r.twoxx + r.non2xx} answered: ${r.twoxx} 2xx, ${r.non2xx} non-2xx${r.non2xx ? ` ${JSON.stringify(r.codes)}` : ''}, ${r.errors} errors, ${r.timeouts} timeouts${r.exhausted ? ' (request pool used up!)' : ''}`);
    console.log(`    throughput    ${o.perSecond.toFixed(0)} req/s (2xx over ${r.duration.toFixed(1)} s)   floor >= ${FLOORS.perSecond}`);
    console.log(`    latency       p50 ${r.latency.p50} ms, p90 ${r.latency.p90} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms   floor p99 < ${FLOORS.p99Ms} ms`);
    console.log(`    rows          ${o.rows}`);
    console.log(`    lost          ${o.lost} (accepted - rows)   worker drain after the load ${o.drainSeconds.toFixed(1)} s, ${o.failedJobs} failed jobs`);
    console.log(`    floors        ${o.ok ? 'met' : 'NOT MET'}`);
  }
  console.log(`  peak RSS        web process ${rss.web.toFixed(0)} MB, inbound worker ${rss.worker.toFixed(0)} MB (VmHWM)`);
  const ok = outcomes.every((o) => o.ok);
  console.log(`  floors: ${ok ? 'met' : 'NOT MET'}`);
  if (!ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
