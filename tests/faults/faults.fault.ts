import { execFileSync } from 'node:child_process';
import { Pool } from 'pg';
import twilio from 'twilio';
import {
  createTestDatabase, factories, startPrivatePostgres, startPrivateRedis, testRedisPrefix, waitFor, type PrivatePostgres, type PrivateRedis, type TestDatabase,
} from '@comeback/testing';
import { killAll, ROOT, startApp, type AppProcess } from './support/app-process';
import { campaignOutcome, messagesIn, queuedCampaign } from './support/campaign-fixture';
import { FaultTable } from './support/fault-table';
import { chunksBeingScored, nightlySweepNow, requestSweep, sweepOutcome, sweepProgress, weeklyRegulars } from './support/sweep-fixture';

/**
 * The fault suite: each scenario starts its own redis-server (AOF, as in production), its own
 * PostgreSQL database (or server, where it stops it) and the apps as child processes, hits them
 * with a fault in the middle of real work, and counts what was lost and what was done twice. The
 * table of every scenario is printed at the end; each scenario asserts its own zeros.
 */
const table = new FaultTable();
afterAll(() => {
  process.stdout.write(`\nfault tests\n${table.toString()}\n\n`);
});

const CAMPAIGN_SIZE = 10_000;
/** Senders' settings for the campaign scenarios: a rate that makes 10,000 texts last ~10 s, and a short lock so a dead sender's jobs come back in seconds. */
const DISPATCHER_ENV = { DISPATCH_CONCURRENCY: '50', DISPATCH_RATE_SMS: '1000', DISPATCH_LOCK_SECONDS: '3' };
/** Kubernetes' default terminationGracePeriodSeconds: a stopping app must be gone by then. */
const GRACE_MS = 30_000;

/** A scenario's private stores, and every app it started (killed at the end whatever happened). */
function stores() {
  const s = {
    db: undefined as TestDatabase | undefined,
    redis: undefined as PrivateRedis | undefined,
    prefix: testRedisPrefix(),
    apps: [] as AppProcess[],
    async open() {
      s.db = await createTestDatabase();
      s.redis = await startPrivateRedis({ appendOnly: true });
    },
    env(extra: Record<string, string> = {}) {
      return { DATABASE_URL: s.db!.url, REDIS_URL: s.redis!.url, REDIS_PREFIX: s.prefix, ...extra };
    },
    async start(name: string, entry: string, extra: Record<string, string> = {}) {
      const app = await startApp(name, entry, s.env(extra));
      s.apps.push(app);
      await app.waitUntilUp();
      return app;
    },
    async close() {
      await killAll(s.apps);
      await s.redis?.destroy();
      await s.db?.drop();
      s.apps = [];
      s.db = undefined;
      s.redis = undefined;
    },
  };
  return s;
}

describe('fault tests', () => {
  describe('campaign dispatch', () => {
    const s = stores();
    beforeEach(() => s.open());
    afterEach(() => s.close());

    const settled = (campaignId: string, timeoutMs: number) =>
      waitFor('every message settled', async () => (await messagesIn(s.db!.pool, campaignId, ['queued', 'sending'])) === 0, timeoutMs).catch(() => undefined);

    it('SIGKILL a dispatcher mid-campaign, restart it: every message sent once or visibly failed', async () => {
      const campaignId = await queuedCampaign(s.db!.pool, s.redis!.url, s.prefix, CAMPAIGN_SIZE);
      // Killed while messages are between claim and outcome, the case the guarantee is about. The
      // moment is a race, so a kill that found none in flight is tried again (from a new process).
      let inFlight = 0;
      for (let round = 1; round <= 4 && inFlight === 0; round++) {
        const dispatcher = await s.start('dispatcher', 'dispatcher/src/main.ts', DISPATCHER_ENV);
        await waitFor(
          'sends under way',
          async () => (await messagesIn(s.db!.pool, campaignId, ['delivered'])) >= (CAMPAIGN_SIZE / 5) * round && (await messagesIn(s.db!.pool, campaignId, ['sending'])) > 0,
          120_000,
        );
        await dispatcher.kill('SIGKILL');
        inFlight = await messagesIn(s.db!.pool, campaignId, ['sending']);
      }
      expect(inFlight).toBeGreaterThan(0);
      const unsettled = await messagesIn(s.db!.pool, campaignId, ['queued', 'sending']);

      await s.start('dispatcher', 'dispatcher/src/main.ts', DISPATCHER_ENV);
      await settled(campaignId, 180_000);
      const outcome = await campaignOutcome(s.db!.pool, campaignId);
      table.add({ fault: 'dispatcher SIGKILL mid-campaign, restarted', inFlight: `${inFlight} messages sending, ${unsettled} of ${CAMPAIGN_SIZE} unsent`, lost: outcome.lost, duplicated: outcome.duplicated });
      expect(outcome).toMatchObject({ lost: 0, duplicated: 0 });
      // The sandbox can say what it accepted, so nothing is even in doubt: every client got exactly one text.
      expect(outcome.byStatus).toEqual({ delivered: CAMPAIGN_SIZE });
      expect(outcome.sentOnce).toBe(CAMPAIGN_SIZE);
    });

    it('SIGTERM a dispatcher mid-campaign: it drains and exits 0 within the grace period, nothing half-done', async () => {
      const campaignId = await queuedCampaign(s.db!.pool, s.redis!.url, s.prefix, CAMPAIGN_SIZE);
      const dispatcher = await s.start('dispatcher', 'dispatcher/src/main.ts', DISPATCHER_ENV);
      await waitFor('sends under way', async () => (await messagesIn(s.db!.pool, campaignId, ['delivered'])) >= CAMPAIGN_SIZE / 4, 120_000);
      const inFlight = await messagesIn(s.db!.pool, campaignId, ['sending']);
      const unsettled = await messagesIn(s.db!.pool, campaignId, ['queued', 'sending']);
      const { ms: stopMs, ...exit } = await dispatcher.terminate(GRACE_MS);
      expect(exit).toEqual({ code: 0, signal: null, killedAfterGrace: false });
      // Drained: every message it had taken was finished before it exited, none left sending.
      const leftSending = await messagesIn(s.db!.pool, campaignId, ['sending']);
      expect(leftSending).toBe(0);
      // And it stopped taking new ones: the campaign is not finished yet.
      expect(await messagesIn(s.db!.pool, campaignId, ['queued'])).toBeGreaterThan(0);

      await s.start('dispatcher', 'dispatcher/src/main.ts', DISPATCHER_ENV);
      await settled(campaignId, 180_000);
      const outcome = await campaignOutcome(s.db!.pool, campaignId);
      table.add({
        fault: `dispatcher SIGTERM mid-campaign (exit 0 in ${(stopMs / 1000).toFixed(1)} s), restarted`,
        inFlight: `${inFlight} messages sending, ${unsettled} of ${CAMPAIGN_SIZE} unsent`,
        lost: outcome.lost + leftSending,
        duplicated: outcome.duplicated,
      });
      expect(outcome).toMatchObject({ lost: 0, duplicated: 0 });
      expect(outcome.byStatus).toEqual({ delivered: CAMPAIGN_SIZE });
    });

    it('restart Redis mid-campaign: the campaign finishes, every message sent once', async () => {
      const campaignId = await queuedCampaign(s.db!.pool, s.redis!.url, s.prefix, CAMPAIGN_SIZE);
      const dispatcher = await s.start('dispatcher', 'dispatcher/src/main.ts', DISPATCHER_ENV);
      await waitFor('sends under way', async () => (await messagesIn(s.db!.pool, campaignId, ['delivered'])) >= CAMPAIGN_SIZE / 4, 120_000);
      const inFlight = await messagesIn(s.db!.pool, campaignId, ['sending']);
      const unsettled = await messagesIn(s.db!.pool, campaignId, ['queued', 'sending']);
      await s.redis!.shutdown();
      await new Promise((r) => setTimeout(r, 3000));
      await s.redis!.start();

      await settled(campaignId, 180_000);
      // The same dispatcher finished the campaign: it rode out the restart.
      expect(dispatcher.child.exitCode).toBeNull();
      const outcome = await campaignOutcome(s.db!.pool, campaignId);
      table.add({ fault: 'Redis restarted mid-campaign (down 3 s)', inFlight: `${inFlight} messages sending, ${unsettled} of ${CAMPAIGN_SIZE} unsent`, lost: outcome.lost, duplicated: outcome.duplicated });
      expect(outcome).toMatchObject({ lost: 0, duplicated: 0 });
      expect(outcome.byStatus).toEqual({ delivered: CAMPAIGN_SIZE });
    });
  });

  describe('nightly sweep', () => {
    const CLIENTS = 40_000;
    /** Small chunks, one at a time: a sweep of many short transactions, so the fault lands mid-sweep. */
    const DETECTOR_ENV = { LAPSE_CHUNK_CLIENTS: '2000', LAPSE_WORKER_CONCURRENCY: '1', LAPSE_SCHEDULER_SYNC_SECONDS: '86400' };
    const s = stores();
    beforeEach(() => s.open());
    afterEach(() => s.close());

    const sweepDone = (sweepId: string, timeoutMs: number) =>
      waitFor(
        `sweep ${sweepId} done and its events out of the outbox`,
        async () => {
          const p = await sweepProgress(s.db!.pool, sweepId);
          if (p.status === 'failed') throw new Error(`sweep failed: ${p.error}`);
          return p.status === 'done' && (await s.db!.pool.query(`SELECT 1 FROM outbox_events LIMIT 1`)).rowCount === 0;
        },
        timeoutMs,
      );
    const midSweep = (sweepId: string) =>
      waitFor(
        'the sweep a quarter done',
        async () => {
          const p = await sweepProgress(s.db!.pool, sweepId);
          return p.chunks_total > 0 && p.chunks_done >= p.chunks_total / 4 ? p : undefined;
        },
        120_000,
      );

    it('restart Redis mid-sweep: the sweep finishes, one episode and one event per lapsed client', async () => {
      const { organizationId } = await weeklyRegulars(s.db!.pool, CLIENTS);
      const detector = await s.start('lapse-detector', 'lapse-detector/src/main.ts', DETECTOR_ENV);
      const sweepId = await nightlySweepNow(s.db!.pool, s.redis!.url, s.prefix, organizationId);
      const progress = await midSweep(sweepId);
      expect(progress.chunks_done).toBeLessThan(progress.chunks_total);
      const scoring = await chunksBeingScored(s.db!.pool);
      await s.redis!.shutdown();
      await new Promise((r) => setTimeout(r, 3000));
      await s.redis!.start();

      // A chunk that committed while Redis was down is finished in PostgreSQL; its job comes back
      // when its lock lapses (two minutes) and finds it done. The sweep does not wait for that.
      await sweepDone(sweepId, 240_000);
      expect(detector.child.exitCode).toBeNull();
      const outcome = await sweepOutcome(s.db!.pool, s.redis!.url, s.prefix, organizationId);
      table.add({
        fault: 'Redis restarted mid nightly sweep (down 3 s)',
        inFlight: `${scoring} chunk being scored, ${progress.chunks_total - progress.chunks_done} of ${progress.chunks_total} to go (${CLIENTS} clients)`,
        lost: outcome.lost,
        duplicated: outcome.duplicated,
      });
      expect(outcome).toMatchObject({ lost: 0, duplicated: 0, episodes: (CLIENTS * 3) / 4, events: (CLIENTS * 3) / 4 });
    }, 400_000);

    it('SIGKILL the lapse detector mid-sweep: the next run completes, no duplicate episode or event', async () => {
      const { organizationId, apiKey } = await weeklyRegulars(s.db!.pool, CLIENTS);
      const first = await s.start('lapse-detector', 'lapse-detector/src/main.ts', DETECTOR_ENV);
      const sweepId = await requestSweep(first.port, organizationId, apiKey);
      const progress = await midSweep(sweepId);
      const scoring = await chunksBeingScored(s.db!.pool);
      await first.kill('SIGKILL');
      const atKill = await sweepProgress(s.db!.pool, sweepId);
      expect(atKill.chunks_done).toBeLessThan(atKill.chunks_total);

      // The restarted detector takes the waiting chunks at once and the killed one when its lock
      // lapses; that chunk's transaction had rolled back, so it is scored once, now.
      const second = await s.start('lapse-detector', 'lapse-detector/src/main.ts', DETECTOR_ENV);
      await sweepDone(sweepId, 300_000);
      const afterRestart = await sweepOutcome(s.db!.pool, s.redis!.url, s.prefix, organizationId);
      // The next sweep finds every change already made: it emits nothing.
      const again = await requestSweep(second.port, organizationId, apiKey);
      await sweepDone(again, 120_000);
      const emitted = (await s.db!.pool.query<{ events_emitted: number }>(`SELECT events_emitted FROM lapse_sweeps WHERE id = $1`, [again])).rows[0].events_emitted;
      const outcome = await sweepOutcome(s.db!.pool, s.redis!.url, s.prefix, organizationId);
      table.add({
        fault: 'lapse detector SIGKILL mid-sweep, restarted, swept again',
        inFlight: `${scoring} chunk being scored, ${atKill.chunks_total - atKill.chunks_done} of ${atKill.chunks_total} to go (${CLIENTS} clients)`,
        lost: outcome.lost,
        duplicated: outcome.duplicated + emitted,
      });
      expect(progress.chunks_done).toBeGreaterThan(0);
      expect(afterRestart).toMatchObject({ lost: 0, duplicated: 0, episodes: (CLIENTS * 3) / 4, events: (CLIENTS * 3) / 4 });
      expect(emitted).toBe(0);
      expect(outcome).toEqual(afterRestart);
    }, 480_000);
  });

  describe('nightly sweep, graceful stop', () => {
    const CLIENTS = 40_000;
    const DETECTOR_ENV = { LAPSE_CHUNK_CLIENTS: '2000', LAPSE_WORKER_CONCURRENCY: '1', LAPSE_SCHEDULER_SYNC_SECONDS: '86400' };
    const s = stores();
    beforeEach(() => s.open());
    afterEach(() => s.close());

    it('SIGTERM the lapse detector mid-sweep: the chunk in hand commits, its events leave the outbox, exit 0; restarted, the sweep finishes at once', async () => {
      const { organizationId, apiKey } = await weeklyRegulars(s.db!.pool, CLIENTS);
      const detector = await s.start('lapse-detector', 'lapse-detector/src/main.ts', DETECTOR_ENV);
      const sweepId = await requestSweep(detector.port, organizationId, apiKey);
      await waitFor('the sweep a quarter done', async () => {
        const p = await sweepProgress(s.db!.pool, sweepId);
        return p.chunks_total > 0 && p.chunks_done >= p.chunks_total / 4;
      }, 120_000);
      const atSignal = await sweepProgress(s.db!.pool, sweepId);
      const scoring = await chunksBeingScored(s.db!.pool);
      const { ms: stopMs, ...exit } = await detector.terminate(GRACE_MS);
      expect(exit).toEqual({ code: 0, signal: null, killedAfterGrace: false });
      const atExit = await sweepProgress(s.db!.pool, sweepId);
      expect(atExit.chunks_done).toBeLessThan(atExit.chunks_total);
      // Every chunk it committed had its events published before it exited.
      const leftInOutbox = (await s.db!.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events`)).rows[0].n;
      expect(leftInOutbox).toBe(0);

      // Its jobs were finished or left waiting, none stalled: the next process goes on at once,
      // without waiting for a lock to lapse (two minutes).
      const restarted = Date.now();
      await s.start('lapse-detector', 'lapse-detector/src/main.ts', DETECTOR_ENV);
      await waitFor('the sweep done', async () => (await sweepProgress(s.db!.pool, sweepId)).status === 'done' && (await s.db!.pool.query(`SELECT 1 FROM outbox_events LIMIT 1`)).rowCount === 0, 100_000);
      const resumeMs = Date.now() - restarted;
      const outcome = await sweepOutcome(s.db!.pool, s.redis!.url, s.prefix, organizationId);
      table.add({
        fault: `lapse detector SIGTERM mid-sweep (exit 0 in ${(stopMs / 1000).toFixed(1)} s), restarted`,
        inFlight: `${scoring} chunk being scored, ${atSignal.chunks_total - atSignal.chunks_done} of ${atSignal.chunks_total} to go (${CLIENTS} clients)`,
        lost: outcome.lost + leftInOutbox,
        duplicated: outcome.duplicated,
      });
      expect(resumeMs).toBeLessThan(100_000);
      expect(outcome).toMatchObject({ lost: 0, duplicated: 0, episodes: (CLIENTS * 3) / 4, events: (CLIENTS * 3) / 4 });
    });
  });

  describe('every other app', () => {
    const s = stores();
    beforeAll(() => s.open());
    afterAll(() => s.close());

    it('SIGTERM the report and campaign apps: each closes its server, workers and connections and exits 0', async () => {
      const report = await s.start('report', 'report/src/main.ts');
      const campaign = await s.start('campaign', 'campaign/src/main.ts');
      const [reportExit, campaignExit] = await Promise.all([report.terminate(GRACE_MS), campaign.terminate(GRACE_MS)]);
      expect(reportExit).toMatchObject({ code: 0, signal: null, killedAfterGrace: false });
      expect(campaignExit).toMatchObject({ code: 0, signal: null, killedAfterGrace: false });
      // Nothing of theirs is left connected to PostgreSQL.
      const { rows } = await s.db!.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'comeback-%'`);
      expect(rows[0].n).toBe(0);
    });
  });

  describe('replies', () => {
    const TOKEN = 'fault-test-twilio-auth-token';
    const PUBLIC = 'https://answers.example.test';
    const CLIENTS = 100;
    const OUTAGE_MS = 30_000;
    let pg: PrivatePostgres | undefined;
    let pool: Pool | undefined;
    let redis: PrivateRedis | undefined;
    const apps: AppProcess[] = [];

    afterAll(async () => {
      await killAll(apps);
      await pool?.end();
      pg?.destroy();
      await redis?.destroy();
    });

    it('stop PostgreSQL for 30 s while replies arrive: every accepted reply is on its client card, once', async () => {
      pg = await startPrivatePostgres();
      const url = pg.url.replace(/\/postgres$/, '/comeback');
      execFileSync(process.execPath, ['bin/comeback.js', 'migrate', '--create-database'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: url }, stdio: 'pipe' });
      pool = new Pool({ connectionString: url, max: 2 });
      pool.on('error', () => undefined); // the server is stopped on purpose
      redis = await startPrivateRedis({ appendOnly: true });
      const make = factories(pool);
      const orgId = (await make.organization({ name: 'Outage Clinic' })).id;
      await pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = $1`, [
        orgId, { providers: { sms: { type: 'twilio', accountSid: `AC${'3'.repeat(32)}`, authTokenEnv: 'FAULT_TWILIO_TOKEN', from: '+995322000000' } } },
      ]);
      const phones: string[] = [];
      const clientOf = new Map<string, { clientId: string; episodeId: string }>();
      for (let i = 0; i < CLIENTS; i++) {
        const phone = `+99559901${String(i).padStart(4, '0')}`;
        const clientId = await make.client(orgId, { name: `Client ${i}`, phone });
        const episodeId = (
          await pool.query<{ id: string }>(
            `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, method) VALUES ($1, $2, 'lapsed', now(), now() - interval '90 days', 'cadence') RETURNING id::text`,
            [orgId, clientId],
          )
        ).rows[0].id;
        phones.push(phone);
        clientOf.set(phone, { clientId, episodeId });
      }
      const env = { DATABASE_URL: url, REDIS_URL: redis.url, REDIS_PREFIX: 'faults', PUBLIC_BASE_URL: PUBLIC, FAULT_TWILIO_TOKEN: TOKEN };
      const web = await startApp('response-collector', 'response-collector/src/main.ts', env);
      const worker = await startApp('response-collector-worker', 'response-collector/src/worker.ts', env);
      apps.push(web, worker);
      await Promise.all([web.waitUntilUp(), worker.waitUntilUp()]);

      /** One signed Twilio webhook: client `i`'s `n`-th text. Resolves with its MessageSid when answered 200. */
      let sent = 0;
      /** Why webhooks were not answered 200: the HTTP status, or the connection error's code. */
      const notAccepted = new Map<string, number>();
      const reply = async (n: number): Promise<string | null> => {
        const path = `/webhooks/twilio/sms?org=${orgId}`;
        const phone = phones[n % CLIENTS];
        const fields = { MessageSid: `SM${n.toString(16).padStart(32, '0')}`, From: phone, Body: `reply ${n}: the new place is closer` };
        sent++;
        const res = await fetch(`http://127.0.0.1:${web.port}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}${path}`, fields) },
          body: new URLSearchParams(fields).toString(),
        }).catch((err: Error & { cause?: { code?: string } }) => {
          notAccepted.set(err.cause?.code ?? err.message, (notAccepted.get(err.cause?.code ?? err.message) ?? 0) + 1);
          return null;
        });
        if (res && res.status !== 200) notAccepted.set(`HTTP ${res.status}`, (notAccepted.get(`HTTP ${res.status}`) ?? 0) + 1);
        return res?.status === 200 ? fields.MessageSid : null;
      };

      // One reply while all is well (the web process has met the organization's settings), then
      // a steady stream from every client: 5 s before the outage, the 30 s of it, 5 s after.
      expect(await reply(0)).not.toBeNull();
      await waitFor('the first reply on its card', async () => (await pool!.query(`SELECT 1 FROM replies`)).rowCount === 1, 30_000);
      const accepted: string[] = [(await pool.query<{ idempotency_key: string }>(`SELECT idempotency_key FROM inbound_requests`)).rows[0].idempotency_key];
      let n = 1;
      let duringOutage = 0;
      let outage = false;
      const stream = async (ms: number) => {
        const until = Date.now() + ms;
        while (Date.now() < until) {
          const batch = await Promise.all(Array.from({ length: 5 }, () => reply(n++)));
          for (const sid of batch) if (sid) accepted.push(sid);
          if (outage) duringOutage += batch.filter(Boolean).length;
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await stream(5000);
      pg.stop();
      outage = true;
      await stream(OUTAGE_MS);
      outage = false;
      pg.start();
      await stream(5000);

      /** Each accepted text's replies row(s): lost (none), duplicated (more than one), misfiled (wrong client or episode). */
      const repliesOutcome = async () => {
        await waitFor(
          'every accepted reply on its card',
          async () => (await pool!.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbound_requests WHERE status = 'processed'`)).rows[0].n >= accepted.length,
          180_000,
        ).catch(() => undefined);
        const { rows } = await pool!.query<{ sid: string; client_id: string | null; episode_id: string | null; from_address: string; replies: number }>(
          `SELECT q.idempotency_key AS sid, min(r.client_id)::text AS client_id, min(r.episode_id)::text AS episode_id, min(r.from_address) AS from_address, count(r.id)::int AS replies
             FROM inbound_requests q LEFT JOIN replies r ON r.inbound_request_id = q.id WHERE q.source = 'twilio-sms' GROUP BY q.idempotency_key`,
        );
        const bySid = new Map(rows.map((r) => [r.sid, r]));
        const result = { lost: 0, duplicated: 0, misfiled: 0 };
        for (const sid of accepted) {
          const row = bySid.get(sid);
          if (!row || row.replies === 0) {
            result.lost++;
            continue;
          }
          result.duplicated += row.replies - 1;
          const expected = clientOf.get(row.from_address);
          if (!expected || row.client_id !== expected.clientId || row.episode_id !== expected.episodeId) result.misfiled++;
        }
        // Nothing recorded that was not accepted, and no reply written twice across requests.
        const totalReplies = (await pool!.query<{ n: number }>(`SELECT count(*)::int AS n FROM replies`)).rows[0].n;
        return { ...result, extra: totalReplies - accepted.length };
      };

      const outage1 = await repliesOutcome();
      table.add({
        fault: `PostgreSQL stopped ${OUTAGE_MS / 1000} s while replies arrive`,
        inFlight: `${accepted.length} of ${sent} webhooks accepted (${duringOutage} during the outage)`,
        lost: outage1.lost + outage1.misfiled,
        duplicated: outage1.duplicated + Math.max(0, outage1.extra),
      });
      expect(duringOutage).toBeGreaterThan(0);
      expect(outage1).toEqual({ lost: 0, duplicated: 0, misfiled: 0, extra: 0 });
      // The intake answers without PostgreSQL: every webhook sent was accepted.
      expect(accepted).toHaveLength(sent);

      // Then both processes are stopped (SIGTERM) while texts keep coming: the web process stops
      // taking connections, answers the requests it has, and exits 0; the worker finishes the
      // requests in hand and exits 0. Whatever was answered 200 is in Redis, and a worker started
      // again writes it, once.
      const acceptedBeforeStop = accepted.length;
      const sentBeforeStop = sent;
      let stopping = false;
      const texting = (async () => {
        while (!stopping) {
          const batch = await Promise.all(Array.from({ length: 5 }, () => reply(n++)));
          for (const sid of batch) if (sid) accepted.push(sid);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await new Promise((r) => setTimeout(r, 1000));
      const [webExit, workerExit] = await Promise.all([web.terminate(GRACE_MS), worker.terminate(GRACE_MS)]);
      await new Promise((r) => setTimeout(r, 500));
      stopping = true;
      await texting;
      expect(webExit).toMatchObject({ code: 0, signal: null, killedAfterGrace: false });
      expect(workerExit).toMatchObject({ code: 0, signal: null, killedAfterGrace: false });
      const restarted = await startApp('response-collector-worker', 'response-collector/src/worker.ts', env);
      apps.push(restarted);
      await restarted.waitUntilUp();
      const stop = await repliesOutcome();
      table.add({
        fault: `response collector + worker SIGTERM while replies arrive (exit 0 in ${(Math.max(webExit.ms, workerExit.ms) / 1000).toFixed(1)} s)`,
        inFlight: `${accepted.length - acceptedBeforeStop} of ${sent - sentBeforeStop} webhooks accepted while stopping`,
        lost: stop.lost + stop.misfiled,
        duplicated: stop.duplicated + Math.max(0, stop.extra),
      });
      expect(accepted.length).toBeGreaterThan(acceptedBeforeStop);
      expect(stop).toEqual({ lost: 0, duplicated: 0, misfiled: 0, extra: 0 });
      // A request the web process took was answered (200, and on its card above). The others never
      // reached it: the port was closed (ECONNREFUSED), or the client reused a keep-alive
      // connection at the instant the server closed it as idle (UND_ERR_SOCKET, HTTP's keep-alive
      // race: the client is told, so the provider retries). None was answered with an error.
      expect([...notAccepted.keys()].filter((why) => why !== 'ECONNREFUSED' && why !== 'UND_ERR_SOCKET')).toEqual([]);
      expect(notAccepted.get('ECONNREFUSED')).toBeGreaterThan(0);
    });
  });
});
