import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { createStaffAccount, hashPassword } from '@comeback/accounts';
import { createApiKey, findOrganization, revokeApiKeys } from '@comeback/ingestion';
import { checkInfrastructure } from '@comeback/connectivity';
import type { CliConfig } from '../cli-config';
import { createDatabaseIfMissing, openDatabase } from '../database';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { AppSupervisor, type AppSpec } from '../demo/app-supervisor';
import { startDemoMailbox, type DemoMailbox } from '../demo/demo-mailbox';
import { DEMO_ORGANIZATION, loadDemoData, parseClientCount } from './demo-data.command';
import { printImportSummary } from './import.command';

/** The apps in start order; with the default base port each runs on its own default PORT. */
function demoApps(basePort: number): AppSpec[] {
  return [
    { name: 'report', port: basePort, purpose: 'reports API and ingestion API' },
    { name: 'response-collector', port: basePort + 1, purpose: 'feedback pages and provider webhooks', nodeFlags: ['--max-old-space-size=256'] },
    { name: 'response-collector-worker', entry: 'response-collector/src/worker.ts', port: basePort + 5, purpose: 'inbound worker: writes replies and feedback answers', nodeFlags: ['--max-old-space-size=256'] },
    { name: 'campaign', port: basePort + 2, purpose: 'templates, audiences, campaigns', nodeFlags: ['--max-old-space-size=256'] },
    { name: 'lapse-detector', port: basePort + 3, purpose: 'nightly and on-demand lapse sweeps' },
    { name: 'dispatcher', port: basePort + 4, purpose: 'SMS / e-mail / Viber / voice workers', nodeFlags: ['--max-old-space-size=256'] },
  ];
}

/** The maintenance database next to DATABASE_URL's, to check the server before ours exists. */
function serverUrl(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  u.pathname = '/postgres';
  return u.toString();
}

export function registerDemo(program: Command, config: () => CliConfig): void {
  program
    .command('demo')
    .description('run the whole system on demo data: database, migrations, demo clinic, every app')
    .option('--clients <n>', 'size of the demo clinic when it is first loaded', parseClientCount, 20_000)
    .option('--base-port <port>', 'port of the first app; the others follow', (v) => Number(v), 3000)
    .option('--reload', 'load the demo data again even if the demo clinic has some')
    .option('--exit-when-ready', 'stop the apps and exit once all are healthy (a smoke test)')
    .action(async (o: { clients: number; basePort: number; reload?: boolean; exitWhenReady?: boolean }) => {
      const { DATABASE_URL, REDIS_URL } = config();
      console.log('checking PostgreSQL and Redis ...');
      await checkInfrastructure({ databaseUrl: serverUrl(DATABASE_URL), redisUrl: REDIS_URL });
      if (await createDatabaseIfMissing(DATABASE_URL)) console.log(`created database ${new URL(DATABASE_URL).pathname.slice(1)}`);
      const { migrate } = await import('@comeback/domain');
      const applied = await migrate(DATABASE_URL);
      console.log(applied.length ? `migrated: ${applied.join(', ')}` : 'schema up to date');

      const pool = await openDatabase(DATABASE_URL);
      let apiKey: string;
      let organizationId: string;
      let logins: DemoLogin[];
      try {
        const existing = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM clients c JOIN organizations o ON o.id = c.organization_id WHERE o.slug = $1`,
          [DEMO_ORGANIZATION.slug],
        );
        if (existing.rows[0].n === 0 || o.reload) {
          console.log(`loading demo data: ${o.clients} clients with four years of visits ...`);
          const started = performance.now();
          printImportSummary(await loadDemoData(pool, o.clients, 42), (performance.now() - started) / 1000);
        } else {
          console.log(`the demo clinic already has ${existing.rows[0].n} clients (--reload loads the demo data again)`);
        }
        organizationId = (await findOrganization(pool, DEMO_ORGANIZATION.slug)).id;
        // A fresh key each run: keys are stored hashed, so an old one cannot be shown again.
        await revokeApiKeys(pool, organizationId, 'demo');
        apiKey = (await createApiKey(pool, organizationId, 'demo')).key;
        logins = await ensureDemoAccounts(pool, organizationId);
      } finally {
        await pool.end();
      }

      const apps = demoApps(o.basePort);
      const supervisor = new AppSupervisor(apps, {
        ...process.env,
        DATABASE_URL,
        REDIS_URL,
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        // The demo clinic's admin may open the queue dashboard even when this database holds other
        // organizations too (`comeback org create`): unset, it would close as soon as there are two.
        QUEUE_DASHBOARD_ORGANIZATIONS: process.env.QUEUE_DASHBOARD_ORGANIZATIONS || organizationId,
      });
      let mailbox: DemoMailbox | undefined;
      let shuttingDown = false;
      const shutdown = async (code: number) => {
        if (shuttingDown) return;
        shuttingDown = true;
        console.log('stopping the apps ...');
        await supervisor.stop();
        if (mailbox) {
          await mailbox.close();
          // The demo mailbox is gone: the clinic's e-mail goes back to the sandbox for whoever runs the apps next.
          const pool = await openDatabase(DATABASE_URL);
          await pool
            .query(`UPDATE organizations SET messaging_settings = messaging_settings #- '{providers,email}' WHERE slug = $1`, [DEMO_ORGANIZATION.slug])
            .catch(() => undefined)
            .finally(() => pool.end());
        }
        process.exit(code);
      };
      process.on('SIGINT', () => void shutdown(0));
      process.on('SIGTERM', () => void shutdown(0));
      console.log('starting the apps ...');
      supervisor.start((name, code) => {
        console.error(`${name} exited (code ${code}); stopping the others.`);
        void shutdown(1);
      });
      try {
        await supervisor.waitUntilHealthy(90_000);
      } catch (err) {
        console.error((err as Error).message);
        await shutdown(1);
      }

      const report = `http://127.0.0.1:${o.basePort}`;
      const lapseDetector = `http://127.0.0.1:${o.basePort + 3}`;
      try {
        await runDemoSweep(lapseDetector, organizationId, apiKey, DATABASE_URL);
      } catch (err) {
        console.error(`the demo lapse sweep failed: ${(err as Error).message}`);
        await shutdown(1);
      }
      try {
        await refreshDemoReports(report, organizationId, apiKey, DATABASE_URL);
      } catch (err) {
        console.error(`the demo report refresh failed: ${(err as Error).message}`);
        await shutdown(1);
      }
      try {
        const mailDir = join(__dirname, '..', '..', '..', '..', 'tmp', 'demo-mail');
        rmSync(mailDir, { recursive: true, force: true });
        mailbox = await startDemoMailbox(mailDir);
        await runDemoCampaign(`http://127.0.0.1:${o.basePort + 2}`, organizationId, apiKey, DATABASE_URL, mailbox);
      } catch (err) {
        console.error(`the demo campaign failed: ${(err as Error).message}`);
        await shutdown(1);
      }
      console.log('\nComeback is running on demo data.\n');
      for (const a of apps) console.log(`  ${a.name.padEnd(19)} http://127.0.0.1:${a.port}   ${a.purpose} (health: /health)`);
      console.log(`\n  demo organization   ${DEMO_ORGANIZATION.name} (slug ${DEMO_ORGANIZATION.slug}, id ${organizationId})`);
      console.log(`  ingestion API key   ${apiKey}`);
      console.log(`\n  staff console       ${report}/console  (sign in with one of these; new passwords each run)`);
      for (const l of logins) console.log(`    ${l.role.padEnd(8)} ${l.email}   password: ${l.password}`);
      console.log(`  reports             ${report}/console/reports   JSON: ${report}/api/v1/organizations/${organizationId}/reports/gone (API key)`);
      console.log('\n  try the ingestion API:');
      console.log(`    curl -s -X POST ${report}/api/v1/organizations/${organizationId}/clients \\`);
      console.log(`      -H 'Authorization: Bearer ${apiKey}' -H 'Content-Type: application/json' \\`);
      console.log(`      -d '{"records":[{"external_id":"web-1","name":"ნინო ბერიძე","phone":"555 12 34 56","locale":"ka"}]}'`);
      console.log('\n  run the lapse detector now (the nightly run is at 03:00 Asia/Tbilisi), then follow it:');
      console.log(`    curl -s -X POST ${lapseDetector}/api/v1/organizations/${organizationId}/lapse-sweeps -H 'Authorization: Bearer ${apiKey}'`);
      console.log(`    curl -s ${lapseDetector}/api/v1/organizations/${organizationId}/lapse-sweeps/<sweepId> -H 'Authorization: Bearer ${apiKey}'`);
      console.log(`  call list           ${report}/console/calls   (call cards with the five-part script: admin works the managers' queue, caller the retention team's)`);
      console.log(`  campaigns           ${report}/console/campaigns   (wizard, progress; templates, sandbox inbox and dead letters from there)`);
      console.log(`  sandbox inbox       ${report}/console/sandbox   (what the demo campaign "sent"; reply as a client)`);
      console.log(`  queue dashboard     ${report}/console/queues   (every queue's jobs, read only; the admin, as the deployment's operator)`);
      console.log(`  audit log           ${report}/console/audit   (exports and consent changes; the admin)`);
      console.log(`  metrics             ${report}/metrics and /metrics on every app above (Prometheus: latency, queue depth, jobs, messages, sweeps)`);
      console.log('\n  campaigns (API key): templates, estimate, schedule, pause, resume, cancel, dead letters, the sandbox outbox:');
      console.log(`    curl -s http://127.0.0.1:${o.basePort + 2}/api/v1/organizations/${organizationId}/campaigns -H 'Authorization: Bearer ${apiKey}'`);
      console.log(`    curl -s http://127.0.0.1:${o.basePort + 2}/api/v1/organizations/${organizationId}/sandbox/messages -H 'Authorization: Bearer ${apiKey}'`);
      console.log('\nready. Press Ctrl-C to stop.');
      if (o.exitWhenReady) await shutdown(0);
    });
}

/**
 * Asks the running lapse-detector for a sweep through its API, waits for it, and prints what it
 * found, straight from the tables (rhythms, episodes, and the timeline the report app wrote from
 * the sweep's events).
 */
async function runDemoSweep(baseUrl: string, organizationId: string, apiKey: string, databaseUrl: string): Promise<void> {
  console.log('running the lapse detector (on-demand sweep through its API) ...');
  const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' };
  const started = performance.now();
  const created = await fetch(`${baseUrl}/api/v1/organizations/${organizationId}/lapse-sweeps`, { method: 'POST', headers, body: '{}' });
  if (created.status !== 202) throw new Error(`POST lapse-sweeps answered ${created.status}: ${await created.text()}`);
  const { sweepId } = (await created.json()) as { sweepId: string };
  let sweep: { status: string; kind: string; clientsScored: number; eventsEmitted: number; error: string | null };
  for (;;) {
    const res = await fetch(`${baseUrl}/api/v1/organizations/${organizationId}/lapse-sweeps/${sweepId}`, { headers });
    sweep = (await res.json()) as typeof sweep;
    if (sweep.status === 'done') break;
    if (sweep.status === 'failed') throw new Error(sweep.error ?? 'the sweep failed');
    if (performance.now() - started > 180_000) throw new Error('the sweep did not finish within 3 minutes');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  console.log(`  ${sweep.kind} sweep: ${sweep.clientsScored} clients scored, ${sweep.eventsEmitted} new events, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const pool = await openDatabase(databaseUrl);
  try {
    const rhythms = await pool.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM client_rhythms WHERE organization_id = $1 GROUP BY 1`,
      [organizationId],
    );
    const by = Object.fromEntries(rhythms.rows.map((r) => [r.status, r.n]));
    console.log(`  clients: ${by.active ?? 0} active, ${by.at_risk ?? 0} at risk, ${by.lapsed ?? 0} lapsed, ${by.new ?? 0} too new to judge, ${by.once ?? 0} came once`);
    const types = await pool.query<{ churn_type: string; n: number }>(
      `SELECT churn_type, count(*)::int AS n FROM churn_episodes WHERE organization_id = $1 AND status IN ('at_risk','lapsed') GROUP BY 1 ORDER BY 2 DESC`,
      [organizationId],
    );
    console.log(`  open episodes by churn type: ${types.rows.map((t) => `${t.churn_type} ${t.n}`).join(', ')}`);
    const examples = await pool.query<{ name: string; usual_gap_days: number; days: number; churn_type: string; value_tier: number; gradual: boolean }>(
      `SELECT c.name, e.usual_gap_days, (current_date - e.last_visit_at::date) AS days, e.churn_type, e.value_tier, e.gradual
         FROM churn_episodes e JOIN clients c ON c.organization_id = e.organization_id AND c.id = e.client_id
        WHERE e.organization_id = $1 AND e.status = 'lapsed' ORDER BY e.value_tier, e.revenue_12m DESC LIMIT 3`,
      [organizationId],
    );
    for (const x of examples.rows) {
      console.log(`    e.g. ${x.name}: usually every ${Math.round(x.usual_gap_days)} days, gone ${x.days} days, ${x.churn_type}${x.gradual ? ' (gradual)' : ''}, value tier ${x.value_tier}`);
    }
    // The events travel outbox -> relay -> the report app's queue -> its consumer: give them a moment.
    const counts = async () =>
      (
        await pool.query<{ events: number; entries: number }>(
          `SELECT (SELECT count(*)::int FROM churn_episodes WHERE organization_id = $1) AS events,
                  (SELECT count(*)::int FROM client_activities WHERE organization_id = $1) AS entries`,
          [organizationId],
        )
      ).rows[0];
    let seen = await counts();
    for (const deadline = Date.now() + 20_000; seen.entries < seen.events && Date.now() < deadline; seen = await counts()) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    console.log(`  client timelines: ${seen.entries} entries written by the report app from the lapse detector's events (durable event transport)`);
    // The sweep's last chunk also built this win-back cycle's call list (libs/call-list).
    const calls = await pool.query<{ queue: string; source: string; n: number }>(
      `SELECT queue, source, count(*)::int AS n FROM call_tasks WHERE organization_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      [organizationId],
    );
    const inQueue = (queue: string) => calls.rows.filter((r) => r.queue === queue).reduce((n, r) => n + r.n, 0);
    console.log(`  call list: ${inQueue('managers')} most valuable lost clients for managers, ${inQueue('retention')} for the retention team (${calls.rows.filter((r) => r.queue === 'retention').map((r) => `${r.source} ${r.n}`).join(', ') || 'nobody yet'})`);
    const top = await pool.query<{ name: string; revenue: string; phone: string }>(
      `SELECT c.name, t.value_at_creation::text AS revenue, c.phone FROM call_tasks t JOIN clients c ON c.organization_id = t.organization_id AND c.id = t.client_id
        WHERE t.organization_id = $1 AND t.queue = 'managers' ORDER BY t.value_at_creation DESC LIMIT 3`,
      [organizationId],
    );
    for (const x of top.rows) console.log(`    e.g. call ${x.name} (${x.phone}): ${x.revenue} GEL in the last 12 months`);
  } finally {
    await pool.end();
  }
}

interface DemoLogin {
  role: string;
  email: string;
  password: string;
}

/**
 * The demo clinic's console accounts: an administrator, a caller (works the call list and the
 * client cards, no campaigns or reports) and a viewer (who sees the lists and reports but cannot
 * change anything, and gets 403 on the accounts page). Passwords are new
 * random ones each run, printed once; only their argon2id hashes are stored.
 */
async function ensureDemoAccounts(pool: Pool, organizationId: string): Promise<DemoLogin[]> {
  const wanted = [
    { role: 'admin', email: 'admin@demo-clinic.test', displayName: 'Demo Administrator' },
    { role: 'caller', email: 'caller@demo-clinic.test', displayName: 'Demo Caller' },
    { role: 'viewer', email: 'viewer@demo-clinic.test', displayName: 'Demo Viewer' },
  ];
  const logins: DemoLogin[] = [];
  for (const w of wanted) {
    const password = randomBytes(12).toString('base64url');
    const updated = await pool.query(`UPDATE staff_accounts SET password_hash = $2, disabled_at = NULL, updated_at = now() WHERE email = $1 AND organization_id = $3`, [
      w.email,
      await hashPassword(password),
      organizationId,
    ]);
    if (!updated.rowCount) await createStaffAccount(pool, { organizationId, email: w.email, displayName: w.displayName, role: w.role, password });
    logins.push({ role: w.role, email: w.email, password });
  }
  return logins;
}

/**
 * Asks the report app to rebuild the demo clinic's report rollups through its API (the same job
 * the nightly scheduler runs), waits for it, and prints the headline of the Gone report for the
 * last 12 months, read back through the reports API.
 */
async function refreshDemoReports(baseUrl: string, organizationId: string, apiKey: string, databaseUrl: string): Promise<void> {
  console.log('building the report rollups (through the report API) ...');
  const headers = { Authorization: `Bearer ${apiKey}` };
  const started = new Date();
  const res = await fetch(`${baseUrl}/api/v1/organizations/${organizationId}/report-rollups`, { method: 'POST', headers });
  if (res.status !== 202) throw new Error(`POST report-rollups answered ${res.status}: ${await res.text()}`);
  const pool = await openDatabase(databaseUrl);
  try {
    for (const deadline = Date.now() + 180_000; ; ) {
      const { rows } = await pool.query<{ seconds: number | null }>(
        `SELECT seconds FROM report_rollup_state WHERE organization_id = $1 AND refreshed_at >= $2 AND seconds IS NOT NULL`,
        [organizationId, started],
      );
      if (rows[0]) {
        console.log(`  rollups rebuilt in ${rows[0].seconds!.toFixed(1)} s`);
        break;
      }
      if (Date.now() > deadline) throw new Error('the rollups were not rebuilt within 3 minutes');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await pool.end();
  }
  const gone = await fetch(`${baseUrl}/api/v1/organizations/${organizationId}/reports/lost-business?grain=quarter`, { headers });
  if (!gone.ok) throw new Error(`GET reports/lost-business answered ${gone.status}`);
  const body = (await gone.json()) as { total: { lostClients: number; lostRevenue: number; activeAtStart: number; churnRate: number | null } };
  const rate = body.total.churnRate === null ? 'n/a' : `${(body.total.churnRate * 100).toFixed(1)}%`;
  console.log(`  last 12 months: ${body.total.lostClients} clients left, ${body.total.lostRevenue.toFixed(2)} GEL of revenue lost, ${body.total.activeAtStart} active at the start, churn ${rate}`);
}

/** The demo's feedback-request templates: SMS in Georgian, English and Russian, e-mail in English and Georgian. */
const DEMO_TEMPLATES: { channel: string; locale: string; parts: Record<string, string> }[] = [
  { channel: 'sms', locale: 'ka', parts: { text: '{{client.firstName}}, {{organization.name}} გენატრებათ. რატომ აღარ გვსტუმრობთ? {{feedbackUrl}} {{optOutText}}' } },
  { channel: 'sms', locale: 'en', parts: { text: '{{client.firstName}}, we miss you at {{organization.name}}. What made you stop coming? {{feedbackUrl}} {{optOutText}}' } },
  { channel: 'sms', locale: 'ru', parts: { text: '{{client.firstName}}, мы скучаем по вам в {{organization.name}}. Почему вы перестали приходить? {{feedbackUrl}} {{optOutText}}' } },
  {
    channel: 'email', locale: 'en',
    parts: {
      subject: 'We miss you, {{client.firstName}}',
      html: '<p>Dear {{client.firstName}},</p><p>your last visit to {{organization.name}} was on {{date lastVisit.date "long"}}. Would you tell us why you stopped coming?</p><p><a href="{{feedbackUrl}}">Tell us in one minute</a></p><p><small><a href="{{optOutUrl}}">Unsubscribe</a></small></p>',
      text: 'Dear {{client.firstName}},\n\nyour last visit to {{organization.name}} was on {{date lastVisit.date "long"}}. Would you tell us why you stopped coming? {{feedbackUrl}}\n\nUnsubscribe: {{optOutUrl}}',
    },
  },
  {
    channel: 'email', locale: 'ka',
    parts: {
      subject: '{{client.firstName}}, გენატრებათ',
      html: '<p>{{client.firstName}},</p><p>ბოლოს {{organization.name}}-ში {{date lastVisit.date "long"}} იყავით. გვითხარით, რატომ აღარ მოდიხართ?</p><p><a href="{{feedbackUrl}}">პასუხი ერთ წუთში</a></p><p><small><a href="{{optOutUrl}}">გამოწერის გაუქმება</a></small></p>',
      text: '{{client.firstName}},\n\nბოლოს {{organization.name}}-ში {{date lastVisit.date "long"}} იყავით. გვითხარით, რატომ აღარ მოდიხართ? {{feedbackUrl}}\n\nგამოწერის გაუქმება: {{optOutUrl}}',
    },
  },
];

/**
 * Runs a campaign to the demo clinic's lapsed top-tier clients through the campaign API and the
 * dispatcher's sandbox provider (templates, estimate, schedule, fan-out, dispatch), and prints
 * its progress and two of the messages the sandbox "sent". The demo clinic has no frequency cap,
 * so every run asks again; texts outside 08:00-21:00 in a client's timezone wait for the morning.
 */
async function runDemoCampaign(baseUrl: string, organizationId: string, apiKey: string, databaseUrl: string, mailbox: DemoMailbox): Promise<void> {
  console.log(
    `running a demo campaign (through the campaign API, sent by the dispatcher: texts through the sandbox provider, e-mail over SMTP to ${mailbox.kind === 'mailpit' ? 'Mailpit' : 'the demo mailbox'} at ${mailbox.host}:${mailbox.port}) ...`,
  );
  const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}/api/v1/organizations/${organizationId}/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const pool = await openDatabase(databaseUrl);
  try {
    // Every run may ask the same clients again (no frequency cap); texts may go at any hour, so the
    // demo shows them (and a reply) whenever it runs (a real clinic keeps 08:00-21:00 client time);
    // e-mail goes over real SMTP.
    const email = { type: 'smtp', host: mailbox.host, port: mailbox.port, secure: false, from: `${DEMO_ORGANIZATION.name} <clinic@demo.comeback.test>` };
    await pool.query(
      `UPDATE organizations SET messaging_settings = jsonb_set(messaging_settings || '{"frequencyCapDays": 0, "allowedHours": {"from": "00:00", "to": "23:59"}}', '{providers}', coalesce(messaging_settings->'providers', '{}') || jsonb_build_object('email', $2::jsonb))
        WHERE id = $1`,
      [organizationId, email],
    );
    for (const t of DEMO_TEMPLATES) await call('PUT', `templates/feedback-request/${t.channel}/${t.locale}`, { parts: t.parts });
    const draft = await call<{ id: string }>('POST', 'campaigns', {
      name: 'Why did you leave? Lapsed, top value', templateKey: 'feedback-request', channels: ['sms', 'email'], controlShare: 0.1, audience: { status: 'lapsed', tier: 1 },
    });
    const estimate = await call<{ matching: number; unreachable: number; controlGroup: number; byChannel: Record<string, number>; smsSegments: number | null; cost: string; currency: string }>(
      'POST', `campaigns/${draft.id}/estimate`,
    );
    console.log(
      `  estimate: ${estimate.matching} lapsed top-tier clients, ${estimate.unreachable} unreachable, ~${estimate.controlGroup} held out as the control group; ` +
        `${Object.entries(estimate.byChannel).map(([c, n]) => `${n} ${c}`).join(', ')}; ${estimate.smsSegments ?? 0} SMS segment(s) each; cost ${estimate.cost} ${estimate.currency}`,
    );
    await call('POST', `campaigns/${draft.id}/schedule`, {});
    type View = { status: string; recipients: number; heldOut: number; progress: Record<string, number>; cost: string };
    let view = await call<View>('GET', `campaigns/${draft.id}`);
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; view = await call<View>('GET', `campaigns/${draft.id}`)) {
      const waitingForMorning = (
        await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND status = 'queued' AND not_before > now()`, [draft.id])
      ).rows[0].n;
      const open = (view.progress.queued ?? 0) + (view.progress.sending ?? 0);
      // Written: the fan-out has finished (while it reads the audience a running campaign has no
      // messages yet; in the demo nobody opts out meanwhile, so every recipient, the control group
      // already left out, gets one).
      const written = Object.values(view.progress).reduce((sum, n) => sum + n, 0) >= view.recipients;
      if (view.status === 'done' || (view.status === 'running' && view.recipients > 0 && written && open === waitingForMorning)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    console.log(
      `  campaign ${draft.id}: ${view.status}, ${view.recipients} recipients (${view.heldOut} held out); ` +
        `${Object.entries(view.progress).map(([s, n]) => `${n} ${s}`).join(', ') || 'no messages'}; cost ${view.cost} ${estimate.currency}`,
    );
    if (view.progress.queued) console.log(`  ${view.progress.queued} text(s) wait for 08:00 in their client's timezone (allowed hours)`);
    const { rows } = await pool.query<{ channel: string; to_address: string; content: { text?: string; subject?: string } }>(
      `SELECT DISTINCT ON (s.channel) s.channel, s.to_address, s.content FROM sandbox_messages s JOIN messages m ON m.id = s.message_id
        WHERE m.campaign_id = $1 AND s.direction = 'out' ORDER BY s.channel, s.id`,
      [draft.id],
    );
    for (const r of rows) console.log(`  sandbox ${r.channel} to ${r.to_address}: ${r.channel === 'email' ? `subject "${r.content.subject}"` : r.content.text}`);
    const mails = (
      await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND channel = 'email' AND status IN ('sent', 'delivered')`, [draft.id])
    ).rows[0].n;
    const first = mailbox.received()[0];
    console.log(
      `  e-mail: ${mails} sent over SMTP to ${mailbox.kind === 'mailpit' ? 'Mailpit' : 'the demo mailbox'}` +
        (mailbox.kind === 'built-in' ? `, ${mailbox.received().length} received and parsed back (saved as .eml in ${mailbox.readAt})` : ` (read them at ${mailbox.readAt})`),
    );
    if (first) console.log(`    e.g. to ${first.to}: "${first.subject}"; ${first.listHeaders.join('; ') || 'no List-Unsubscribe header'}`);
    if (first && !first.listHeaders.some((h) => /^List-Unsubscribe-Post:/i.test(h))) {
      console.log('    (one-click unsubscribe, RFC 8058, is offered only with an https PUBLIC_FEEDBACK_URL; the demo links to http://127.0.0.1)');
    }
    // One client "answers" in the sandbox, as staff can from the sandbox inbox page.
    const answered = (await call<{ messageId: string; clientName: string; clientId: string }[]>('GET', 'sandbox/messages'))[0];
    if (answered) {
      await call('POST', `sandbox/messages/${answered.messageId}/reply`, { text: 'ძალიან ძვირი გახდა' });
      const replied = await call<{ replied: number }>('GET', `campaigns/${draft.id}`);
      console.log(`  simulated reply from ${answered.clientName}: "ძალიან ძვირი გახდა" (campaign replies: ${replied.replied})`);
      // It travels like a real reply: the response collector's intake matches it and writes it to the client's card.
      let card: { kind: string; reason: string | null; note: string | null; channel: string | null } | undefined;
      for (const deadline = Date.now() + 20_000; !card && Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
        card = (
          await pool.query<{ kind: string; reason: string | null; note: string | null; channel: string | null }>(
            `SELECT r.kind, cr.label AS reason, e.reason_note AS note, e.reason_channel AS channel
               FROM replies r LEFT JOIN churn_reasons cr ON cr.id = r.reason_id LEFT JOIN churn_episodes e ON e.id = r.episode_id
              WHERE r.organization_id = $1 AND r.client_id = $2 ORDER BY r.id DESC LIMIT 1`,
            [organizationId, answered.clientId],
          )
        ).rows[0];
      }
      console.log(
        card
          ? `  on ${answered.clientName}'s card: "${card.note}" by ${card.channel}, ${card.reason ? `reason "${card.reason}"` : 'a new candidate reason for staff to accept or map'} (client card: /console/clients/${answered.clientId})`
          : '  the reply has not reached the card yet (is the response collector running?)',
      );
    }
  } finally {
    await pool.end();
  }
}

