/**
 * `npm run bench -- campaign [--recipients 100000] [--dispatchers 2] [--concurrency 100] [--db NAME] [--keep]`
 *
 * A campaign to 100,000 lost clients through the real services on the local PostgreSQL and Redis:
 *  1. fan-out (FanOutService in this process, as the campaign app runs it): audience frozen,
 *     every message rendered, written and enqueued; timed, with this process's peak RSS;
 *  2. dispatch: two dispatcher processes (the real app, `apps/dispatcher/src/main.ts`) send every
 *     message through the sandbox provider; throughput from the first send to the last, and each
 *     process's peak RSS (VmHWM) read before it is stopped; then every message is checked sent
 *     exactly once.
 * Floors: fan-out under 20 s, at least 2,000 messages/s, each process under 400 MB (exit 1 otherwise).
 * Both run with the heap cap the apps run with everywhere (HEAP_CAP: docker-compose, k8s, the demo).
 * The data (clients with phones, open episodes, templates) is written by SQL, not timed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { CampaignManagementModule } from '@comeback/campaigns';
import { loadConfig } from '@comeback/config';
import { QueueName } from '@comeback/contracts';
import { createNestApp } from '@comeback/platform';
import { CAMPAIGN_ENV } from '../apps/campaign/src/config';
import { FanOutModule } from '../apps/campaign/src/fan-out/fan-out.module';
import { FanOutService } from '../apps/campaign/src/fan-out/fan-out.service';
import { benchOption, cleanUpBench, createMigratedBenchDatabase, REPO_ROOT } from './bench-support';

const recipients = Number(benchOption('recipients', '100000'));
const dispatchers = Number(benchOption('dispatchers', '2'));
const dbName = benchOption('db', 'comeback_bench_campaign');
const FLOORS = { fanOutSeconds: 20, perSecond: 2000, rssMb: 400 };
/**
 * The campaign app's and the dispatcher's V8 heap cap (their command line in docker-compose.yml,
 * k8s and the demo; tests/deploy holds them to it). Without one V8 lets garbage pile up in
 * proportion to the machine's memory, and peak RSS would measure the host, not the code.
 */
const HEAP_CAP = '--max-old-space-size=256';

const peakRssMb = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
};

async function main(): Promise<void> {
  const prefix = `bench-campaign-${process.pid}`;
  const url = await createMigratedBenchDatabase(dbName);

  const pool = new Pool({ connectionString: url, max: 4 });
  console.log(`writing ${recipients} clients with open episodes and the templates (SQL, not timed) ...`);
  const org = (
    await pool.query<{ id: string }>(
      `INSERT INTO organizations (slug, name, timezone, default_locale, currency, country, messaging_settings)
       VALUES ('bench', 'Bench Clinic', 'Asia/Tbilisi', 'ka', 'GEL', 'GE', '{"allowedHours": {"from": "00:00", "to": "23:59"}, "frequencyCapDays": 0}') RETURNING id`,
    )
  ).rows[0].id;
  await pool.query(
    `INSERT INTO clients (organization_id, external_id, name, phone, locale, consent_sms)
     SELECT $1, 'c' || i, CASE WHEN i % 3 = 0 THEN 'ნინო ბერიძე ' || i ELSE 'Client ' || i END, '+9955' || lpad(i::text, 8, '0'),
            CASE WHEN i % 3 = 0 THEN 'ka' WHEN i % 3 = 1 THEN 'en' ELSE 'ru' END, 'granted'
       FROM generate_series(1, $2) i`,
    [org, recipients],
  );
  await pool.query(
    `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, left_on, method, revenue_12m, value_tier, lapsed_at)
     SELECT $1, c.id, 'lapsed', now() - interval '3 days', now() - interval '150 days', current_date - 30, 'cadence', 100 + c.id % 900, 1 + c.id % 3, now() - interval '3 days'
       FROM clients c WHERE c.organization_id = $1`,
    [org],
  );
  await pool.query(`INSERT INTO message_templates (organization_id, key, channel, locale, parts) VALUES
    ($1, 'ask', 'sms', 'ka', '{"text": "გამარჯობა {{client.firstName}}! რატომ აღარ გვსტუმრობთ? {{feedbackUrl}} {{optOutText}}"}'),
    ($1, 'ask', 'sms', 'en', '{"text": "Hi {{client.firstName}}, we miss you at {{organization.name}}. Tell us why: {{feedbackUrl}} {{optOutText}}"}')`, [org]);
  // Statistics as autovacuum would have them on a database in use (a bulk load leaves none).
  await pool.query(`VACUUM ANALYZE`);
  const campaignId = (
    await pool.query<{ id: string }>(
      `INSERT INTO campaigns (organization_id, name, status, template_key, channels, scheduled_at) VALUES ($1, 'Bench', 'scheduled', 'ask', '{sms}', now()) RETURNING id::text`,
      [org],
    )
  ).rows[0].id;

  // 1. Fan-out, as the campaign app runs it.
  const config = loadConfig('campaign', CAMPAIGN_ENV, { DATABASE_URL: url, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn' });
  const app = await createNestApp({ app: 'campaign', config, imports: [CampaignManagementModule.forRoot({ publicFeedbackUrl: 'https://answers.example.test' }), FanOutModule] });
  await app.init();
  const fanOut = await app.get(FanOutService).start(campaignId);
  const fanOutRss = process.resourceUsage().maxRSS / 1024;
  await app.close();

  // 2. Dispatch: the real dispatcher app in separate processes.
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const children: ChildProcess[] = [];
  const started = Date.now();
  for (let i = 0; i < dispatchers; i++) {
    children.push(
      spawn(process.execPath, [HEAP_CAP, '-r', './tools/register.js', 'apps/dispatcher/src/main.ts'], {
        cwd: REPO_ROOT,
        env: {
          ...process.env, DATABASE_URL: url, REDIS_PREFIX: prefix, PORT: String(3900 + i), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
          DISPATCH_CONCURRENCY: benchOption('concurrency', '100'), DISPATCH_RATE_SMS: '100000',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      }),
    );
  }
  let sent = 0;
  for (;;) {
    // The sandbox reports delivery on accept, so a message sent ends `delivered`. Polled once a
    // second: the count competes with the dispatchers for the database.
    sent = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND status IN ('sent', 'delivered')`, [campaignId])).rows[0].n;
    if (sent >= fanOut.messages) break;
    if (Date.now() - started > 600_000) throw new Error(`only ${sent} of ${fanOut.messages} sent after 10 minutes`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const rss = children.map((c) => peakRssMb(c.pid!));
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
  const span = (
    await pool.query<{ first: Date; last: Date; twice: number; sandbox: number }>(
      `SELECT min(m.sent_at) AS first, max(m.sent_at) AS last,
              (SELECT count(*)::int FROM (SELECT message_id FROM sandbox_messages WHERE direction = 'out' GROUP BY 1 HAVING count(*) > 1) d) AS twice,
              (SELECT count(*)::int FROM sandbox_messages WHERE direction = 'out') AS sandbox
         FROM messages m WHERE m.campaign_id = $1`,
      [campaignId],
    )
  ).rows[0];
  const seconds = (span.last.getTime() - span.first.getTime()) / 1000;
  const perSecond = sent / seconds;
  await cleanUpBench({ redis, prefix, pool, dbName });

  const ok = fanOut.seconds < FLOORS.fanOutSeconds && perSecond >= FLOORS.perSecond && Math.max(fanOutRss, ...rss) < FLOORS.rssMb && span.twice === 0 && span.sandbox === sent;
  console.log('');
  console.log('benchmark: campaign');
  console.log(`  audience        ${fanOut.recipients} recipients (${fanOut.heldOut} held out), ${fanOut.messages} SMS messages`);
  console.log(`  heap cap        ${HEAP_CAP} (as the apps run)`);
  console.log(`  fan-out         ${fanOut.seconds.toFixed(1)} s (audience, render, write, enqueue)   floor < ${FLOORS.fanOutSeconds} s   peak RSS ${fanOutRss.toFixed(0)} MB`);
  console.log(`  dispatch        ${sent} sent by ${dispatchers} dispatcher processes in ${seconds.toFixed(1)} s = ${perSecond.toFixed(0)} messages/s   floor >= ${FLOORS.perSecond}`);
  console.log(`                  peak RSS ${rss.map((r) => `${r.toFixed(0)} MB`).join(', ')}   floor < ${FLOORS.rssMb} MB`);
  console.log(`  exactly once    ${span.sandbox} sandbox sends for ${sent} messages, ${span.twice} sent twice`);
  console.log(`  floors: ${ok ? 'met' : 'NOT MET'}`);
  if (!ok) process.exitCode = 1;
}

if (!process.execArgv.includes(HEAP_CAP)) {
  // The fan-out runs in this process: start it again with the campaign app's heap cap.
  const run = spawnSync(process.execPath, [HEAP_CAP, ...process.execArgv, `${REPO_ROOT}/scripts/bench.js`, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
