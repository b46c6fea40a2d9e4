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
import { spawn } from 'node:child_process';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { QueueName } from '@comeback/contracts';
import { benchOption, cleanUpBench, createMigratedBenchDatabase, REPO_ROOT } from './bench-support';
import { BENCH_TWILIO, drainQueue, HEAP_CAP, peakRssMb, startApp, stopApps, waitUntilReady, writeResponseDataSet } from './response-data-set';

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
/** Requests prepared per scenario: far above what the app could take in `duration` seconds (it takes about 5,000/s), so none is sent twice. */
const POOL = Math.max(20_000, duration * 8_000);

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
  const prefix = `bench-webhooks-${process.pid}-${Date.now()}`;
  const url = await createMigratedBenchDatabase(dbName);

  const pool = new Pool({ connectionString: url, max: 4 });
  const seed = `bench-${process.pid}-${Date.now()}`;
  console.log(`writing ${clients} clients, their episodes, an SMS campaign and ${POOL} messages with feedback links (SQL, not timed) ...`);
  const { org, reasons, phones } = await writeResponseDataSet(pool, { clients, links: POOL, seed });

  // The app as it runs in production: the web process and the inbound worker, each its own process.
  const publicBase = `http://127.0.0.1:${port}`;
  const env = { ...process.env, DATABASE_URL: url, REDIS_PREFIX: prefix, HOST: '127.0.0.1', PUBLIC_BASE_URL: publicBase, LOG_LEVEL: 'warn', [BENCH_TWILIO.tokenEnv]: BENCH_TWILIO.token };
  const profile = profileDir ? { cpuProfileDir: profileDir } : {};
  const app = startApp('response-collector/src/main.ts', port, env, profile);
  const worker = startApp('response-collector/src/worker.ts', port + 1, env, { ...profile, nice: workerNice });
  await waitUntilReady([
    { name: "the response collector's web process", child: app, baseUrl: publicBase },
    { name: "the response collector's inbound worker", child: worker, baseUrl: `http://127.0.0.1:${port + 1}` },
  ]);

  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const inbound = new Queue(QueueName.Inbound, { connection: redis, prefix });
  const drain = () => drainQueue(inbound);
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
  const sms = await load({ kind: 'sms', url: publicBase, publicBase, org, token: BENCH_TWILIO.token, accountSid: BENCH_TWILIO.accountSid, phones, pool: POOL, duration, connections, rate });
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
  await stopApps([app, worker]);

  // Nothing of this run is left in Redis: every queue of the contract, whatever it holds.
  await inbound.close();
  await cleanUpBench({ redis, prefix, pool, dbName });

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
