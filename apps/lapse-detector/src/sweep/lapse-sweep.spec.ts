import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loadConfig } from '@comeback/config';
import { EventConsumer, eventQueueName, JobName, type EventEnvelope } from '@comeback/contracts';
import { createApiKey } from '@comeback/ingestion';
import { DEFAULT_BGNBD_THRESHOLDS, DEFAULT_CADENCE_SETTINGS, expectedTransactions, pAlive, pAliveCrossingTime, scoreCadence } from '@comeback/lapse-model';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, waitFor, type TestDatabase } from '@comeback/testing';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { LAPSE_DETECTOR_ENV } from '../config';
import { NightlySweepScheduler } from './nightly-sweep.scheduler';
import { SweepChunkService } from './sweep-chunk.service';
import { SweepModule } from './sweep.module';
import { SweepPlannerService } from './sweep-planner.service';
import { LAPSE_QUEUE } from './sweep.tokens';

const TZ = 'Asia/Tbilisi';
const DAY = 86_400_000;

/** Today's date in the organization's timezone, as a day number (days since 1970-01-01). */
function localToday(): number {
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date()).split('-').map(Number);
  return Date.UTC(y, m - 1, d) / DAY;
}
/** Noon in Tbilisi (08:00 UTC) on a day number: safely inside that local date. */
const noonOn = (day: number) => new Date(day * DAY + 8 * 3600_000);

describe('lapse sweep (lapse-detector, real PostgreSQL and Redis)', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let replica: NestExpressApplication;
  let planner: SweepPlannerService;
  let orgId: string;
  let apiKey: string;
  const today = localToday();
  const clients: Record<string, { id: string; days: number[] }> = {};
  const prefix = testRedisPrefix();
  let redis: Redis;

  const makeApp = async () => {
    const config = loadConfig('lapse-detector', LAPSE_DETECTOR_ENV, {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error', LAPSE_CHUNK_CLIENTS: '3',
    });
    const nest = await createNestApp({ app: 'lapse-detector', config, imports: [SweepModule.forRoot(config)] });
    await nest.init();
    return nest;
  };

  const sweepDone = async (sweepId: string | null) => {
    if (!sweepId) throw new Error('no sweep was created');
    return waitFor(`sweep ${sweepId} to finish`, async () => {
      const { rows } = await db.pool.query(`SELECT status, kind, chunks_total, clients_scored, events_emitted, error FROM lapse_sweeps WHERE id = $1`, [sweepId]);
      if (rows[0].status === 'failed') throw new Error(`sweep failed: ${rows[0].error}`);
      return rows[0].status === 'done' ? rows[0] : undefined;
    });
  };
  const episodes = async () =>
    (
      await db.pool.query(
        `SELECT c.external_id, e.status, e.churn_type, e.gradual, e.usual_gap_days, e.value_tier, e.method, e.score, e.lifetime_visits,
                e.left_on::text, e.returned_at, e.lapsed_at, st.name AS staff_member, sv.name AS service
           FROM churn_episodes e JOIN clients c ON c.organization_id = e.organization_id AND c.id = e.client_id
           LEFT JOIN staff_members st ON st.id = e.staff_member_id LEFT JOIN services sv ON sv.id = e.service_id
          WHERE e.organization_id = $1 ORDER BY c.external_id, e.id`,
        [orgId],
      )
    ).rows;
  /**
   * The events delivered so far to the client-activity consumer's queue (nobody consumes it in
   * this test), once the relay has emptied the outbox, in the order they were written.
   */
  const outbox = async () => {
    await waitFor('the outbox relay to deliver', async () => (await db.pool.query(`SELECT count(*)::int AS n FROM outbox_events`)).rows[0].n === 0);
    const queue = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection: redis, prefix });
    try {
      const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
      return jobs
        .map((j) => j.data as EventEnvelope)
        .filter((e) => e.payload.organizationId === orgId)
        .sort((p, q) => Number(p.id) - Number(q.id))
        .map((e) => ({ name: e.name, payload: e.payload, correlationId: e.correlationId }));
    } finally {
      await queue.close();
    }
  };

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    db = await createTestDatabase();
    const make = factories(db.pool);
    orgId = (await make.organization({ timezone: TZ })).id;
    apiKey = (await createApiKey(db.pool, orgId, 'test')).key;
    const doctor = await make.staffMember(orgId, { name: 'Dr Beridze' });
    const checkUp = await make.service(orgId, { name: 'Check-up' });
    const history = async (name: string, days: number[]) => {
      const id = await make.client(orgId, { externalId: name, phone: `+9955990${String(Object.keys(clients).length).padStart(5, '0')}` });
      await make.visits(orgId, id, days.map(noonOn), 50, { staffMemberId: doctor, serviceId: checkUp });
      clients[name] = { id, days };
    };
    const every = (last: number, gap: number, count: number) => Array.from({ length: count }, (_, i) => last - (count - 1 - i) * gap);
    // A weekly client gone six weeks has lapsed; a monthly one gone 70 days is at risk;
    // a twice-a-year client gone 200 days is fine.
    await history('weekly-gone-6-weeks', every(today - 42, 7, 20));
    await history('monthly-gone-70-days', every(today - 70, 30, 10));
    await history('twice-a-year-gone-200-days', every(today - 200, 182, 5));
    await history('weekly-active', every(today - 3, 7, 20));
    await history('came-once', [today - 300]);
    await history('two-visits-new', [today - 400, today - 300]);
    // Gaps lengthening before the lapse: 7, 7, 7, 7, 21, 28, 35, then gone 150 days.
    await history('gradual-drift', [0, 7, 14, 21, 28, 49, 77, 112].map((d) => today - 262 + d));
    await history('card-declined', every(today - 40, 7, 15));
    await history('cancelled-plan', every(today - 40, 7, 15));
    await make.payment(orgId, clients['card-declined'].id, { at: noonOn(today - 47), status: 'succeeded' });
    await make.payment(orgId, clients['card-declined'].id, { at: noonOn(today - 30), status: 'failed' });
    await make.payment(orgId, clients['card-declined'].id, { at: noonOn(today - 27), status: 'failed' });
    await make.payment(orgId, clients['cancelled-plan'].id, { at: noonOn(today - 35), status: 'cancelled' });
    // Same-day visits count once.
    await make.visits(orgId, clients['weekly-active'].id, [noonOn(today - 3)]);

    // Managers call the two most valuable lost clients each cycle.
    await db.pool.query(`UPDATE organizations SET call_list_top_n = 2 WHERE id = $1`, [orgId]);

    app = await makeApp();
    planner = app.get(SweepPlannerService);
  });

  afterAll(async () => {
    await replica?.close();
    await app?.close();
    await db.drop();
    await redis.quit();
  });

  it('judges each client by their own rhythm, as the cadence rule of @comeback/lapse-model does', async () => {
    const sweep = await sweepDone(await planner.request(orgId, 'on_demand'));
    expect(sweep).toMatchObject({ kind: 'full', chunks_total: 3, clients_scored: 9 });
    const { rows } = await db.pool.query(
      `SELECT c.external_id, r.status, r.usual_gap_days, r.visit_days, r.gradual, r.next_check_on::text
         FROM client_rhythms r JOIN clients c ON c.organization_id = r.organization_id AND c.id = r.client_id WHERE r.organization_id = $1`,
      [orgId],
    );
    const byName = Object.fromEntries(rows.map((r) => [r.external_id, r]));
    for (const [name, { days }] of Object.entries(clients)) {
      const expected = scoreCadence(days, today, DEFAULT_CADENCE_SETTINGS)!;
      const status = expected.visits === 1 ? 'once' : expected.status;
      expect({ name, status: byName[name].status, gradual: byName[name].gradual }).toEqual({ name, status, gradual: expected.gradual });
      if (expected.visits > 1) expect(byName[name].usual_gap_days).toBeCloseTo(expected.usualGap, 9);
      if (status === 'active') expect(byName[name].next_check_on).toBe(new Date(expected.atRiskFromDay * DAY).toISOString().slice(0, 10));
      if (status === 'at_risk') expect(byName[name].next_check_on).toBe(new Date(expected.lapsedFromDay * DAY).toISOString().slice(0, 10));
    }
    expect(byName['weekly-gone-6-weeks'].status).toBe('lapsed');
    expect(byName['monthly-gone-70-days'].status).toBe('at_risk');
    expect(byName['twice-a-year-gone-200-days'].status).toBe('active');
    expect(byName['came-once'].status).toBe('once');
    expect(byName['two-visits-new'].status).toBe('new');
    expect(byName['weekly-active'].visit_days).toBe(20);
  });

  it('opens an episode per lost client with its churn type, gradual flag and value tier, and an event in the outbox', async () => {
    const rows = await episodes();
    expect(rows.map((e) => [e.external_id, e.status, e.churn_type, e.gradual])).toEqual([
      ['cancelled-plan', 'lapsed', 'voluntary', false],
      ['card-declined', 'lapsed', 'involuntary', false],
      ['gradual-drift', 'lapsed', 'passive', true],
      ['monthly-gone-70-days', 'at_risk', 'passive', false],
      ['weekly-gone-6-weeks', 'lapsed', 'passive', false],
    ]);
    const weekly = rows.find((e) => e.external_id === 'weekly-gone-6-weeks');
    expect(weekly).toMatchObject({ method: 'cadence', usual_gap_days: 7, lifetime_visits: 20, left_on: new Date((today - 41) * DAY).toISOString().slice(0, 10) });
    expect(weekly.score).toBeCloseTo(6, 9);
    for (const e of rows) expect([1, 2, 3]).toContain(e.value_tier);
    // The last visit's staff member and service travel with the episode (the console filters on them).
    for (const e of rows) expect([e.staff_member, e.service]).toEqual(['Dr Beridze', 'Check-up']);
    const events = await outbox();
    expect(events.map((e) => e.name).sort()).toEqual(['client.at-risk', 'client.churned', 'client.churned', 'client.churned', 'client.churned']);
    expect(events[0].payload).toEqual({ organizationId: orgId, clientId: expect.any(String), episodeId: expect.any(String) });
    // The sweep's plan job (queued outside any request) got a correlation id; its chunks inherited
    // it and wrote it into their events, which carry it on their jobs.
    expect(events[0].correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(events.map((e) => e.correlationId)).size).toBe(1);
  });

  it("builds this cycle's call list as the sweep finishes: the most valuable lapsed clients go to managers", async () => {
    const { rows } = await db.pool.query(
      `SELECT c.external_id, t.queue, t.source, t.value_at_creation::float8 AS value, e.status
         FROM call_tasks t JOIN clients c ON c.organization_id = t.organization_id AND c.id = t.client_id
         JOIN churn_episodes e ON e.id = t.episode_id
        WHERE t.organization_id = $1 ORDER BY t.value_at_creation DESC`,
      [orgId],
    );
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.queue === 'managers' && r.source === 'top_value' && r.status === 'lapsed')).toBe(true);
    // 20 weekly visits of 50 in the last 12 months lead; the other lapsed clients have at most 15.
    expect(rows[0]).toMatchObject({ external_id: 'weekly-gone-6-weeks', value: 1000 });
    const others = await db.pool.query(
      `SELECT max(revenue_12m)::float8 AS value FROM churn_episodes e
        WHERE organization_id = $1 AND status = 'lapsed' AND NOT EXISTS (SELECT 1 FROM call_tasks t WHERE t.episode_id = e.id)`,
      [orgId],
    );
    expect(rows[1].value).toBeGreaterThanOrEqual(others.rows[0].value);
  });

  it('sees a row recorded by a transaction that was still open when the previous sweep was planned', async () => {
    // An import begins (its rows carry its start time), a sweep runs meanwhile, the import commits.
    const importer = await db.pool.connect();
    try {
      await importer.query('BEGIN');
      await importer.query(`INSERT INTO visits (organization_id, external_id, client_id, visited_at, amount, currency)
                            VALUES ($1, 'late-commit', $2, $3, 50, 'GEL')`, [orgId, clients['twice-a-year-gone-200-days'].id, noonOn(today - 1)]);
      const during = await sweepDone(await planner.request(orgId, 'on_demand'));
      expect(during).toMatchObject({ kind: 'incremental', clients_scored: 0 });
      await importer.query('COMMIT');
    } finally {
      importer.release();
    }
    const after = await sweepDone(await planner.request(orgId, 'on_demand'));
    expect(after).toMatchObject({ kind: 'incremental', clients_scored: 1, events_emitted: 0 });
    const { rows } = await db.pool.query(`SELECT last_visit_on::text FROM client_rhythms WHERE client_id = $1`, [clients['twice-a-year-gone-200-days'].id]);
    expect(rows[0].last_visit_on).toBe(new Date((today - 1) * DAY).toISOString().slice(0, 10));
  });

  it('does a redelivered chunk job once: the second run finds the chunk done and writes nothing', async () => {
    const sweepId = await planner.request(orgId, 'on_demand', { full: true });
    await sweepDone(sweepId);
    const before = { episodes: await episodes(), rhythms: (await db.pool.query(`SELECT xmin::text FROM client_rhythms ORDER BY client_id`)).rows };
    // As if BullMQ delivered chunk 0 again after a worker died between the commit and the ack.
    const again = await app.get(SweepChunkService).run(sweepId!, 0);
    expect(again).toEqual({ ran: false, clientsScored: 0, events: 0, sweepFinished: false });
    expect(await episodes()).toEqual(before.episodes);
    expect((await db.pool.query(`SELECT xmin::text FROM client_rhythms ORDER BY client_id`)).rows).toEqual(before.rhythms);
  });

  it('emits nothing new when it runs again, incrementally or in full', async () => {
    const before = { episodes: await episodes(), events: (await outbox()).length };
    const incremental = await sweepDone(await planner.request(orgId, 'on_demand'));
    expect(incremental).toMatchObject({ kind: 'incremental', clients_scored: 0, events_emitted: 0 });
    const full = await sweepDone(await planner.request(orgId, 'on_demand', { full: true }));
    expect(full).toMatchObject({ kind: 'full', clients_scored: 9, events_emitted: 0 });
    expect(await episodes()).toEqual(before.episodes);
    expect((await outbox()).length).toBe(before.events);
  });

  it('closes the episode as returned when a lapsed client visits again, re-scoring only that client', async () => {
    await factories(db.pool).visits(orgId, clients['weekly-gone-6-weeks'].id, [noonOn(today)]);
    const sweep = await sweepDone(await planner.request(orgId, 'on_demand'));
    expect(sweep).toMatchObject({ kind: 'incremental', clients_scored: 1, events_emitted: 1 });
    const weekly = (await episodes()).find((e) => e.external_id === 'weekly-gone-6-weeks');
    expect(weekly.status).toBe('returned');
    expect(weekly.returned_at.toISOString()).toBe(noonOn(today).toISOString());
    expect((await outbox()).at(-1)).toMatchObject({ name: 'client.returned', payload: { clientId: clients['weekly-gone-6-weeks'].id } });
  });

  it('moves an at-risk episode to lapsed (client.churned) when the client stays away', async () => {
    // Thirty days later: the client's history and open episode, seen from 30 days on.
    const params = [orgId, clients['monthly-gone-70-days'].id];
    await db.pool.query(`UPDATE visits SET visited_at = visited_at - interval '30 days' WHERE organization_id = $1 AND client_id = $2`, params);
    await db.pool.query(`UPDATE churn_episodes SET last_visit_at = last_visit_at - interval '30 days' WHERE organization_id = $1 AND client_id = $2`, params);
    await db.pool.query(`UPDATE client_rhythms SET next_check_on = next_check_on - 30 WHERE organization_id = $1 AND client_id = $2`, params);
    // The nightly (incremental) run finds it through its due date alone.
    const sweep = await sweepDone(await planner.request(orgId, 'on_demand'));
    expect(sweep).toMatchObject({ kind: 'incremental', clients_scored: 1, events_emitted: 1 });
    const monthly = (await episodes()).filter((e) => e.external_id === 'monthly-gone-70-days');
    expect(monthly).toHaveLength(1);
    expect(monthly[0].status).toBe('lapsed');
    expect(monthly[0].lapsed_at).toBeInstanceOf(Date);
    expect((await outbox()).at(-1)).toMatchObject({ name: 'client.churned', payload: { clientId: clients['monthly-gone-70-days'].id } });
  });

  it('runs the nightly sweep once per local date, however many replicas receive the job', async () => {
    replica = await makeApp();
    const queue = app.get<Queue>(LAPSE_QUEUE);
    // Both replicas sync the schedulers: still one per organization.
    await app.get(NightlySweepScheduler).sync();
    await replica.get(NightlySweepScheduler).sync();
    const schedulers = (await queue.getJobSchedulers(0, -1)).filter((s) => s.key === `nightly-sweep:${orgId}`);
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ pattern: '0 0 3 * * *', tz: TZ });
    // Two nightly jobs for the same date (a repeated tick, two replicas): one sweep runs.
    await queue.add(JobName.NightlySweep, { organizationId: orgId }, { jobId: 'tick-a' });
    await queue.add(JobName.NightlySweep, { organizationId: orgId }, { jobId: 'tick-b' });
    await waitFor('both nightly jobs to complete', async () => (await queue.getJobCounts('completed')).completed >= 2 && (await Promise.all(['tick-a', 'tick-b'].map((id) => queue.getJob(id)))).every((j) => j?.finishedOn));
    const { rows } = await db.pool.query(`SELECT id FROM lapse_sweeps WHERE organization_id = $1 AND "trigger" = 'nightly'`, [orgId]);
    expect(rows).toHaveLength(1);
    await sweepDone(rows[0].id);
  });

  it('takes on-demand requests over HTTP with an API key and reports progress', async () => {
    const http = () => request(app.getHttpServer());
    await http().post(`/api/v1/organizations/${orgId}/lapse-sweeps`).send({}).expect(401);
    const bad = await http().post(`/api/v1/organizations/${orgId}/lapse-sweeps`).set('Authorization', `Bearer ${apiKey}`).send({ full: 'yes' }).expect(400);
    expect(bad.body.problems[0]).toMatchObject({ field: 'full' });
    const res = await http().post(`/api/v1/organizations/${orgId}/lapse-sweeps`).set('Authorization', `Bearer ${apiKey}`).send({ full: true }).expect(202);
    await sweepDone(res.body.sweepId);
    const status = await http().get(`/api/v1/organizations/${orgId}/lapse-sweeps/${res.body.sweepId}`).set('Authorization', `Bearer ${apiKey}`).expect(200);
    expect(status.body).toMatchObject({ status: 'done', kind: 'full', clientsScored: 9, chunksDone: 3, chunksTotal: 3 });
    await http().get(`/api/v1/organizations/${orgId}/lapse-sweeps/999999`).set('Authorization', `Bearer ${apiKey}`).expect(404);
  });

  it('scores by BG/NBD when the organization chooses it: fitted on its history, P(alive) as the model says', async () => {
    const make = factories(db.pool);
    const bg = (await make.organization({ timezone: TZ })).id;
    await db.pool.query(`UPDATE organizations SET lapse_settings = '{"method":"bgnbd"}' WHERE id = $1`, [bg]);
    // 120 clients with varied rhythms and absences (deterministic).
    const histories: { id: string; days: number[] }[] = [];
    for (let i = 0; i < 120; i++) {
      const gap = 5 + ((i * 7) % 40);
      const count = 2 + (i % 9);
      const away = (i * 13) % 200;
      const days = Array.from({ length: count }, (_, k) => today - away - (count - 1 - k) * gap);
      const id = await make.client(bg, { externalId: `bg-${i}` });
      await make.visits(bg, id, days.map(noonOn));
      histories.push({ id, days });
    }
    await sweepDone(await planner.request(bg, 'on_demand'));
    const fit = (await db.pool.query(`SELECT r, alpha, a, b FROM lapse_model_fits WHERE organization_id = $1`, [bg])).rows;
    expect(fit).toHaveLength(1);
    const rhythms = new Map(
      (await db.pool.query(`SELECT client_id::text, status, p_alive, expected_visits_90d, next_check_on::text FROM client_rhythms WHERE organization_id = $1`, [bg])).rows.map((r) => [r.client_id, r]),
    );
    let judged = 0;
    for (const { id, days } of histories) {
      const row = rhythms.get(id);
      const x = days.length - 1;
      const tx = days[days.length - 1] - days[0];
      const T = today - days[0];
      expect(row.p_alive).toBeCloseTo(pAlive(fit[0], x, tx, T), 4);
      if (x > 0) expect(row.expected_visits_90d).toBeCloseTo(expectedTransactions(fit[0], 90, x, tx, T), 3);
      if (days.length < 3 || tx < 60) continue;
      judged++;
      const p = pAlive(fit[0], x, tx, T);
      const status = p < DEFAULT_BGNBD_THRESHOLDS.lapsedBelow ? 'lapsed' : p < DEFAULT_BGNBD_THRESHOLDS.atRiskBelow ? 'at_risk' : 'active';
      expect([id, row.status]).toEqual([id, status]);
      if (status !== 'lapsed') {
        const crossing = pAliveCrossingTime(fit[0], x, tx, status === 'active' ? DEFAULT_BGNBD_THRESHOLDS.atRiskBelow : DEFAULT_BGNBD_THRESHOLDS.lapsedBelow);
        expect(row.next_check_on).toBe(new Date((days[0] + Math.floor(crossing) + 1) * DAY).toISOString().slice(0, 10));
      }
    }
    expect(judged).toBeGreaterThan(50);
    const statuses = new Set([...rhythms.values()].map((r) => r.status));
    expect(statuses).toEqual(new Set(['active', 'at_risk', 'lapsed', 'new']));
    const methods = (await db.pool.query(`SELECT DISTINCT method FROM churn_episodes WHERE organization_id = $1`, [bg])).rows;
    expect(methods).toEqual([{ method: 'bgnbd' }]);
  });

  it('fails a sweep whose organization settings cannot be used, naming the setting', async () => {
    const bad = (await factories(db.pool).organization({ timezone: TZ })).id;
    await db.pool.query(`UPDATE organizations SET lapse_settings = '{"cadence":{"atRiskFactor":5}}' WHERE id = $1`, [bad]);
    const sweepId = await planner.request(bad, 'on_demand');
    const row = await waitFor('the sweep to fail', async () => {
      const { rows } = await db.pool.query(`SELECT status, error FROM lapse_sweeps WHERE id = $1`, [sweepId]);
      return rows[0].status === 'failed' ? rows[0] : undefined;
    });
    expect(row.error).toContain('cadence.lapsedFactor: lapsedFactor must be greater than atRiskFactor');
  });
});
