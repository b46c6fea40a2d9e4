/**
 * What the webhooks and load benchmarks share: a data set the response collector can be loaded
 * with (written by SQL, not timed), the apps started as they are deployed (child processes with
 * their heap cap), their memory read from /proc, and the inbound queue drained.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { REPO_ROOT } from './bench-support';

/** The apps' V8 heap cap (their command lines in docker-compose.yml, k8s and the demo). */
export const HEAP_CAP = '--max-old-space-size=256';
/** The Twilio account of the data set's organization, and the env var holding its auth token. */
export const BENCH_TWILIO = { token: 'bench-twilio-auth-token-0123456789abcdef', accountSid: `AC${'b'.repeat(32)}`, tokenEnv: 'BENCH_TWILIO_TOKEN' };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A process's peak resident memory (VmHWM), MB. */
export const peakRssMb = (pid: number) => statusMb(pid, 'VmHWM');
/** A process's resident memory now (VmRSS), MB. */
export const rssMb = (pid: number) => statusMb(pid, 'VmRSS');
function statusMb(pid: number, field: string): number {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

export interface ResponseDataSet {
  org: string;
  /** The organization's reasons, most used first (the SMS offers the first three by digit). */
  reasons: string[];
  /** Every client's phone, by client id. */
  phones: string[];
  /** Personal links written: link `i` (0 ≤ i < links) has the token feedbackToken(seed, i) of bench/webhooks-load.js. */
  links: number;
}

/**
 * One organization whose SMS provider is Twilio; `clients` clients with phones and lapsed
 * episodes; an SMS campaign with one sent text per client offering three reasons by digit (what
 * an inbound text is tied to); and at least `links` sent e-mails with personal feedback links
 * (campaign k sends client j the link numbered k × clients + j − 1, its token derived from `seed`
 * as the load generator derives it).
 */
export async function writeResponseDataSet(pool: Pool, o: { clients: number; links: number; seed: string }): Promise<ResponseDataSet> {
  const settings = {
    contact: '+995 32 200 00 00',
    allowedHours: { from: '00:00', to: '23:59' },
    frequencyCapDays: 0,
    providers: { sms: { type: 'twilio', accountSid: BENCH_TWILIO.accountSid, authTokenEnv: BENCH_TWILIO.tokenEnv, from: '+995322000000' } },
  };
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
    [org, o.clients],
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
  const campaign = async (name: string, status: string, channel: string) =>
    (
      await pool.query<{ id: string }>(
        `INSERT INTO campaigns (organization_id, name, status, template_key, channels, started_at, fanned_out_at) VALUES ($1, $2, $3, 'ask', $4, now(), now()) RETURNING id::text`,
        [org, name, status, `{${channel}}`],
      )
    ).rows[0].id;
  const addRecipients = (campaignId: string) =>
    pool.query(
      `INSERT INTO campaign_recipients (campaign_id, client_id, organization_id, episode_id, control)
       SELECT $1, e.client_id, $2, e.id, false FROM churn_episodes e WHERE e.organization_id = $2`,
      [campaignId, org],
    );
  const sms = await campaign('SMS', 'done', 'sms');
  await addRecipients(sms);
  await pool.query(
    `INSERT INTO messages (organization_id, campaign_id, client_id, channel, status, to_address, locale, content, queued_at, sent_at)
     SELECT $1, $2, c.id, 'sms', 'sent', c.phone, 'en', $3, now() - interval '2 hours', now() - interval '1 hour' FROM clients c WHERE c.organization_id = $1`,
    [org, sms, { text: 'Why? 1 Too expensive 2 Moved away 3 Bad service', choices: reasons.slice(0, 3) }],
  );
  const campaigns = Math.ceil(o.links / o.clients);
  for (let k = 0; k < campaigns; k++) {
    const email = await campaign(`Feedback ${k}`, 'running', 'email');
    await addRecipients(email);
    // token = the first 24 base64url characters of SHA-256(seed-i), stored as its SHA-256.
    await pool.query(
      `INSERT INTO messages (organization_id, campaign_id, client_id, channel, status, to_address, locale, content, feedback_token_hash, queued_at, sent_at)
       SELECT $1, $2, c.id, 'email', 'delivered', 'client' || c.id || '@example.test', 'en', '{}',
              sha256(convert_to(left(translate(encode(sha256(convert_to($3::text || '-' || ($4::int * $5::int + row_number() OVER (ORDER BY c.id) - 1), 'UTF8')), 'base64'), '+/', '-_'), 24), 'UTF8')),
              now() - interval '1 day', now() - interval '1 day'
         FROM clients c WHERE c.organization_id = $1`,
      [org, email, o.seed, k, o.clients],
    );
  }
  await pool.query(`VACUUM ANALYZE`);
  const phones = (await pool.query<{ phone: string }>(`SELECT phone FROM clients WHERE organization_id = $1 ORDER BY id`, [org])).rows.map((r) => r.phone);
  return { org, reasons, phones, links: campaigns * o.clients };
}

export type AppProcess = ChildProcess & { exited?: boolean };

/** Every app started, so that a benchmark that fails leaves none running (they would hold its ports and its output open). */
const started = new Set<AppProcess>();
process.once('exit', () => {
  for (const child of started) if (!child.exited) child.kill('SIGKILL');
});

/**
 * Starts an app's entry point (`apps/<app>/src/<script>`) as it runs deployed: its own process,
 * the heap cap, `PORT`. `nice` runs it at that CPU niceness (same pid); `cpuProfileDir` writes its
 * V8 CPU profile there.
 */
export function startApp(entry: string, port: number, env: NodeJS.ProcessEnv, o: { nice?: number; cpuProfileDir?: string } = {}): AppProcess {
  const node = [process.execPath, HEAP_CAP, ...(o.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfileDir}`] : []), '-r', './tools/register.js', `apps/${entry}`];
  const [cmd, ...args] = o.nice ? ['nice', '-n', String(o.nice), ...node] : node;
  const child: AppProcess = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'inherit', 'inherit'] });
  started.add(child);
  child.once('exit', () => {
    child.exited = true;
    started.delete(child);
  });
  return child;
}

/** Waits until each app answers `/health/ready` (60 s at most); an app that exits first is an error. */
export async function waitUntilReady(apps: { name: string; child: AppProcess; baseUrl: string }[]): Promise<void> {
  const startedAt = Date.now();
  for (const { name, child, baseUrl } of apps) {
    for (;;) {
      if (child.exited) throw new Error(`${name} exited during start-up`);
      try {
        if ((await fetch(`${baseUrl}/health/ready`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() - startedAt > 60_000) throw new Error(`${name} was not ready after 60 s`);
      await sleep(200);
    }
  }
}

/** Stops the apps with SIGTERM and waits for them to exit. */
export async function stopApps(children: AppProcess[]): Promise<void> {
  for (const child of children) {
    child.kill('SIGTERM');
    if (!child.exited) await new Promise((r) => child.once('exit', r));
  }
}

/** Waits until a queue holds nothing waiting, active, delayed or prioritized; returns the seconds waited and its failed jobs. */
export async function drainQueue(queue: Queue): Promise<{ seconds: number; failed: number }> {
  const t = Date.now();
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
    if (c.waiting + c.active + c.delayed + (c.prioritized ?? 0) === 0) return { seconds: (Date.now() - t) / 1000, failed: c.failed };
    if (Date.now() - t > 1_800_000) throw new Error(`queue ${queue.name} not drained after 30 minutes: ${JSON.stringify(c)}`);
    await sleep(100);
  }
}
