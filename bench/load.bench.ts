/**
 * `npm run bench -- load [--duration 60] [--rate 1000] [--console-rate 50] [--clients 5000] [--db NAME] [--port 3971] [--only sms,feedback-page,feedback,console] [--worker-nice 19] [--profile DIR] [--keep]`
 *
 * Issue 7's load test: the public endpoints and the console under a steady load from a separate
 * process (bench/paced-load.js: open loop, each request scheduled at start + i / rate, latency
 * from that time) on loopback, against the apps as they are deployed: the response collector's
 * web process and inbound worker, and the report app (console), each its own process with its
 * heap cap. One scenario after another, `duration` seconds each:
 *  1. inbound SMS webhooks (signed, each its own MessageSid) at `rate`;
 *  2. feedback pages (GET /f/:token, four languages) at `rate`;
 *  3. feedback submits (POST /f/:token, each its own link) at `rate`;
 *  4. console pages (lost clients, client cards, call list, reasons, replies) as a signed-in admin
 *     at `console-rate`.
 * The rates are the earlier issues' floors (issue 6: 1,000 requests/s with p99 under 50 ms for the
 * webhook and the feedback submit; the pages are held to the same). The console's floor is issue
 * 4's lost-clients page: p99 under 200 ms. After each webhook scenario the inbound queue is drained
 * and the rows are counted: nothing lost. Memory: each app's RSS is read every second; it is
 * steady when the last 10 s of the run average at most 10 % (and 16 MB) above the 10 s after the
 * first 10 s. Each scenario is preceded by a 5 s warm-up at a quarter of its rate (not measured:
 * a running service is warm).
 */
import { spawn } from 'node:child_process';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { createStaffAccount } from '@comeback/accounts';
import { QueueName } from '@comeback/contracts';
import { benchOption, cleanUpBench, createMigratedBenchDatabase, REPO_ROOT } from './bench-support';
import { type AppProcess, BENCH_TWILIO, drainQueue, rssMb, startApp, stopApps, waitUntilReady, writeResponseDataSet } from './response-data-set';

const duration = Number(benchOption('duration', '60'));
const rate = Number(benchOption('rate', '1000'));
const consoleRate = Number(benchOption('console-rate', '50'));
const clients = Number(benchOption('clients', '5000'));
const dbName = benchOption('db', 'comeback_bench_load');
const port = Number(benchOption('port', '3971'));
const only = new Set(benchOption('only', 'sms,feedback-page,feedback,console').split(','));
/** The inbound worker's niceness: it shares these two cores with the web process (deployed, it has a pod of its own; see the webhooks bench). */
const workerNice = Number(benchOption('worker-nice', '19'));
/** `--profile DIR` writes each app's CPU profile there (V8 --cpu-prof), to find where a scenario's time goes. */
const profileDir = benchOption('profile', '');
const FLOORS = { public: { perSecond: rate, p99Ms: 50 }, console: { perSecond: consoleRate, p99Ms: 200 } };
const MEMORY = { growth: 0.1, slackMb: 16 };
const PASSWORD = 'bench passphrase, long enough';
/** Each scenario is preceded by this many seconds at a quarter of its rate, not measured. */
const WARM_UP_SECONDS = 5;

interface PacedResult {
  kind: string;
  offered: number;
  sendingSeconds: number;
  seconds: number;
  answered: number;
  twoxx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  codes: Record<string, number>;
  perSecond: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  worstSeconds: { second: number; p99: number }[];
}

/** Runs bench/paced-load.js in its own process and returns its figures. */
function load(job: Record<string, unknown>): Promise<PacedResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${REPO_ROOT}/bench/paced-load.js`, JSON.stringify(job)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as PacedResult) : reject(new Error(`load generator exited ${code}`))));
  });
}

/** Reads each app's RSS every second while `work` runs; returns what it measured. */
async function withMemory<T>(apps: { name: string; child: AppProcess }[], work: () => Promise<T>): Promise<{ result: T; memory: MemoryReading[] }> {
  const samples = new Map(apps.map((a) => [a.name, [] as number[]]));
  const timer = setInterval(() => {
    for (const a of apps) if (!a.child.exited) samples.get(a.name)!.push(rssMb(a.child.pid!));
  }, 1000);
  try {
    const result = await work();
    return { result, memory: apps.map((a) => memoryReading(a.name, samples.get(a.name)!)) };
  } finally {
    clearInterval(timer);
  }
}

interface MemoryReading {
  name: string;
  /** Mean RSS of seconds 10–20 and of the last 10 s, and the peak, MB. */
  early: number;
  late: number;
  max: number;
  steady: boolean;
}

function memoryReading(name: string, mb: number[]): MemoryReading {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const early = mean(mb.slice(10, 20));
  const late = mean(mb.slice(-10));
  return { name, early, late, max: Math.max(...mb), steady: mb.length >= 30 && late <= early * (1 + MEMORY.growth) + MEMORY.slackMb };
}

/** Signs in to the console as the admin; returns the session cookie. */
async function signIn(consoleBase: string, email: string): Promise<string> {
  const form = await fetch(`${consoleBase}/console/login`);
  const loginCookie = form.headers.getSetCookie().find((c) => c.startsWith('cb_login_csrf='))!.split(';')[0];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1];
  const res = await fetch(`${consoleBase}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password: PASSWORD, _csrf: csrf, next: '/console/lost-clients' }).toString(),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith('cb_session='));
  if (res.status !== 303 || !session) throw new Error(`console sign-in failed: ${res.status}`);
  return session.split(';')[0];
}

interface Outcome {
  name: string;
  r: PacedResult;
  floor: { perSecond: number; p99Ms: number };
  rows?: string;
  lost?: number;
  drain?: { seconds: number; failed: number };
  memory: MemoryReading[];
  ok: boolean;
}

async function main(): Promise<void> {
  const prefix = `bench-load-${process.pid}-${Date.now()}`;
  const url = await createMigratedBenchDatabase(dbName);

  const pool = new Pool({ connectionString: url, max: 4 });
  const seed = `bench-${process.pid}-${Date.now()}`;
  const submits = Math.ceil(rate * duration);
  const warmUpSubmits = Math.ceil((rate / 4) * WARM_UP_SECONDS) + 1;
  const links = submits * 2 + warmUpSubmits;
  console.log(`writing ${clients} clients, their episodes, an SMS campaign and ${links} messages with feedback links (SQL, not timed) ...`);
  // Links [0, submits) are answered by the submit scenario, the ones after 2 × submits by its
  // warm-up; the pages show links [submits, 2 × submits).
  const data = await writeResponseDataSet(pool, { clients, links, seed });
  const admin = await createStaffAccount(pool, { organizationId: data.org, email: 'admin@bench.test', displayName: 'Bench admin', role: 'admin', password: PASSWORD });
  const clientIds = (await pool.query<{ id: string }>(`SELECT id::text FROM clients WHERE organization_id = $1 ORDER BY id LIMIT 200`, [data.org])).rows.map((r) => r.id);

  const publicBase = `http://127.0.0.1:${port}`;
  const consoleBase = `http://127.0.0.1:${port + 2}`;
  const env = { ...process.env, DATABASE_URL: url, REDIS_PREFIX: prefix, HOST: '127.0.0.1', PUBLIC_BASE_URL: publicBase, PUBLIC_FEEDBACK_URL: publicBase, LOG_LEVEL: 'warn', [BENCH_TWILIO.tokenEnv]: BENCH_TWILIO.token };
  const profile = profileDir ? { cpuProfileDir: profileDir } : {};
  const web = startApp('response-collector/src/main.ts', port, env, profile);
  const worker = startApp('response-collector/src/worker.ts', port + 1, env, { ...profile, nice: workerNice });
  const report = startApp('report/src/main.ts', port + 2, env, profile);
  const apps = [
    { name: "response collector's web process", child: web, baseUrl: publicBase },
    { name: "response collector's inbound worker", child: worker, baseUrl: `http://127.0.0.1:${port + 1}` },
    { name: 'report app (console)', child: report, baseUrl: consoleBase },
  ];
  await waitUntilReady(apps);

  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const inbound = new Queue(QueueName.Inbound, { connection: redis, prefix });
  const count = async (sql: string) => (await pool.query<{ n: number }>(sql)).rows[0].n;
  const outcomes: Outcome[] = [];
  const run = async (name: string, job: Record<string, unknown>, floor: { perSecond: number; p99Ms: number }, rows?: () => Promise<{ rows: string; written: number }>) => {
    // A warm-up first (not measured), as a running service is warm: V8 has compiled the hot paths
    // and the pools are open. Its requests are unique too, and their rows are counted below.
    const warm = await load({ ...job, rate: Math.max(1, Math.round(Number(job.rate) / 4)), duration: WARM_UP_SECONDS, ...(job.warmUpLink !== undefined ? { firstLink: job.warmUpLink } : {}) });
    if (rows) await drainQueue(inbound);
    console.log(`${name}: ${job.rate} requests/s for ${duration} s ...`);
    const { result: r, memory } = await withMemory(apps, () => load({ ...job, duration }));
    let extra: Pick<Outcome, 'rows' | 'lost' | 'drain'> = {};
    if (rows) {
      const drain = await drainQueue(inbound);
      const counted = await rows();
      extra = { rows: `${counted.rows} (${warm.twoxx} of them from the warm-up)`, lost: Math.max(0, r.twoxx + warm.twoxx - counted.written), drain };
    }
    // The rate achieved counts only 2xx answers over the whole run, tail included; it may fall a hair under the offered rate.
    const ok =
      r.perSecond >= floor.perSecond * 0.98 && r.latency.p99 < floor.p99Ms && r.non2xx === 0 && r.errors === 0 && r.timeouts === 0 && (extra.lost ?? 0) === 0 && memory.every((m) => m.steady);
    outcomes.push({ name, r, floor, memory, ok, ...extra });
  };

  const publicJob = { baseUrl: publicBase, rate, sockets: 64 };
  if (only.has('sms')) {
    await run('SMS webhook', { ...publicJob, kind: 'sms', publicBase, org: data.org, token: BENCH_TWILIO.token, accountSid: BENCH_TWILIO.accountSid, phones: data.phones }, FLOORS.public, async () => {
      const n = await count(`SELECT count(*)::int AS n FROM replies r JOIN inbound_requests i ON i.id = r.inbound_request_id WHERE i.source = 'twilio-sms'`);
      return { rows: `${n} replies from texts`, written: n };
    });
  }
  if (only.has('feedback-page')) await run('feedback page', { ...publicJob, kind: 'feedback-page', seed, firstLink: submits }, FLOORS.public);
  if (only.has('feedback')) {
    await run('feedback submit', { ...publicJob, kind: 'feedback', seed, reasons: data.reasons, firstLink: 0, warmUpLink: submits * 2 }, FLOORS.public, async () => {
      const n = await count(`SELECT count(*)::int AS n FROM feedback_responses`);
      return { rows: `${n} feedback_responses`, written: n };
    });
  }
  if (only.has('console')) {
    const cookie = await signIn(consoleBase, admin.email);
    const paths = ['/console/lost-clients', ...clientIds.slice(0, 50).map((id) => `/console/clients/${id}`), '/console/lost-clients?sort=value', '/console/calls', '/console/reasons', '/console/replies'];
    await run('console pages', { baseUrl: consoleBase, rate: consoleRate, sockets: 16, kind: 'console', cookie, paths }, FLOORS.console);
  }

  await stopApps([web, worker, report]);
  await inbound.close();
  await cleanUpBench({ redis, prefix, pool, dbName });

  console.log('');
  console.log('benchmark: load');
  console.log(`  load            bench/paced-load.js in its own process (open loop, latency from each request's scheduled time), ${duration} s per scenario, loopback; inbound worker at nice ${workerNice}`);
  for (const o of outcomes) {
    const r = o.r;
    console.log(`  ${o.name}`);
    console.log(`    requests      ${r.offered} offered, ${r.answered} answered: ${r.twoxx} 2xx, ${r.non2xx} non-2xx${r.non2xx ? ` ${JSON.stringify(r.codes)}` : ''}, ${r.errors} errors, ${r.timeouts} timeouts`);
    console.log(`    throughput    ${r.perSecond} req/s over ${r.seconds} s   floor >= ${o.floor.perSecond}`);
    console.log(`    latency       p50 ${r.latency.p50} ms, p90 ${r.latency.p90} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms   floor p99 < ${o.floor.p99Ms} ms`);
    console.log(`    worst seconds ${r.worstSeconds.map((w) => `s${w.second} p99 ${w.p99} ms`).join(', ')}`);
    if (o.rows) console.log(`    rows          ${o.rows}; lost ${o.lost} (2xx - rows); inbound queue drained in ${o.drain!.seconds.toFixed(1)} s, ${o.drain!.failed} failed jobs`);
    for (const m of o.memory) {
      console.log(`    memory        ${m.name}: RSS ${m.early.toFixed(0)} MB (s 10-20) -> ${m.late.toFixed(0)} MB (last 10 s), peak ${m.max.toFixed(0)} MB: ${m.steady ? 'steady' : 'GROWING'}`);
    }
    console.log(`    floors        ${o.ok ? 'met' : 'NOT MET'}`);
  }
  const ok = outcomes.every((o) => o.ok);
  console.log(`  floors: ${ok ? 'met' : 'NOT MET'}`);
  if (!ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
