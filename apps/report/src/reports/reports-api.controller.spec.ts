import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { loadConfig } from '@comeback/config';
import { QueueName } from '@comeback/contracts';
import { createApiKey } from '@comeback/ingestion';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, waitFor, type OrganizationRow, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../config';
import { ReportRollupsProcessor } from './report-rollups.processor';
import { ReportRollupsScheduler } from './report-rollups.scheduler';
import { ReportsModule } from './reports.module';

/**
 * The JSON API and the rollup queue of the report app, as it runs (Nest app, BullMQ worker on the
 * real Redis under this file's own key prefix, real PostgreSQL).
 */
describe('reports API and rollup refresh queue (report app)', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let redis: Redis;
  let org: OrganizationRow;
  let other: OrganizationRow;
  let key: string;
  let otherKey: string;
  const prefix = testRedisPrefix();
  const get = (orgId: string, path: string, apiKey: string | null = key) => {
    const r = request(app.getHttpServer()).get(`/api/v1/organizations/${orgId}/${path}`);
    return apiKey ? r.set('Authorization', `Bearer ${apiKey}`) : r;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error' });
    app = await createNestApp({ app: 'report', config, imports: [ReportsModule] });
    await app.init();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const make = factories(db.pool);
    org = await make.organization();
    other = await make.organization({ timezone: 'Europe/Istanbul', country: 'TR', currency: 'TRY' });
    key = (await createApiKey(db.pool, org.id, 'test')).key;
    otherKey = (await createApiKey(db.pool, other.id, 'test')).key;
    const staff = await make.staffMember(org.id, { name: 'Ana' });
    const a = await make.client(org.id);
    const b = await make.client(org.id);
    await make.visits(org.id, a, ['2025-02-03T12:00:00+04:00', '2025-02-20T12:00:00+04:00'], 100, { staffMemberId: staff });
    await make.visits(org.id, b, ['2025-05-03T12:00:00+04:00'], 40, { staffMemberId: staff });
    await db.pool.query(
      `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, left_on, method, revenue_12m, lapsed_at, churn_type)
       VALUES ($1, $2, 'lapsed', '2025-07-01', '2025-05-03', '2025-05-04', 'cadence', 40, '2025-07-01', 'passive')`,
      [org.id, b],
    );
  });
  afterAll(async () => {
    await app.close();
    await redis.quit();
    await db.drop();
  });

  it('refuses a request without a key (401) and a key of another organization (403)', async () => {
    expect((await get(org.id, 'reports/gone?period=2025', null).expect(401)).body.error).toBe('API_KEY_MISSING');
    expect((await get(org.id, 'reports/gone?period=2025', otherKey).expect(403)).body.error).toBe('API_KEY_WRONG_ORGANIZATION');
    await request(app.getHttpServer()).post(`/api/v1/organizations/${org.id}/report-rollups`).expect(401);
  });

  it('answers a bad period, grain, window or page with 400 naming the field', async () => {
    expect((await get(org.id, 'reports/gone?period=2025-13').expect(400)).body).toEqual({
      error: 'INVALID_PARAMETER', field: 'period', message: expect.stringContaining('2025-13'),
    });
    expect((await get(org.id, 'reports/churn-types?from=2025-03-01&to=2025-02-01').expect(400)).body.field).toBe('to');
    expect((await get(org.id, 'reports/lost-business?period=2025&grain=week').expect(400)).body.field).toBe('grain');
    expect((await get(org.id, 'reports/retention-by-staff?period=2025&windowDays=0').expect(400)).body.field).toBe('windowDays');
    expect((await get(org.id, 'reports/intensive-care?limit=9999').expect(400)).body.field).toBe('limit');
  });

  it('rebuilds the rollups through the queue (202 with the job id), then answers every report with the figures', async () => {
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM report_rollup_state`)).rows[0].n).toBe(0);
    const res = await request(app.getHttpServer()).post(`/api/v1/organizations/${org.id}/report-rollups`).set('Authorization', `Bearer ${key}`).expect(202);
    expect(res.body).toEqual({ jobId: `report-rollups-${org.id}`, status: 'queued' });
    await waitFor('the rollups to be rebuilt', async () => (await db.pool.query(`SELECT 1 FROM report_rollup_state WHERE organization_id = $1`, [org.id])).rowCount === 1);

    // Three visits in 2025: 100 + 100 + 40 = 240; median 100 (2nd of 40, 100, 100); one client gone in May with 40.
    const check = (await get(org.id, 'reports/average-check?period=2025&grain=quarter').expect(200)).body;
    expect(check.overall).toEqual({ visits: 3, revenue: 240, average: 80, median: 100 });
    expect(check.buckets.map((b: { bucket: string; visits: number }) => [b.bucket, b.visits])).toEqual([['2025-Q1', 2], ['2025-Q2', 1], ['2025-Q3', 0], ['2025-Q4', 0]]);
    const gone = (await get(org.id, 'reports/gone?period=2025-05').expect(200)).body;
    expect(gone).toMatchObject({ period: { from: '2025-05-01', to: '2025-05-31', kind: 'month' }, total: 1, reasons: [{ reasonId: null, count: 1, share: 1 }] });
    // Active at 2025-05-01: only a (b's one visit is on 05-03); b left on 05-04: 1 / 1. In June a alone: 0 / 1.
    const lost = (await get(org.id, 'reports/lost-business?from=2025-05-01&to=2025-06-30').expect(200)).body;
    expect(lost.total).toMatchObject({ lostClients: 1, lostRevenue: 40, activeAtStart: 1, churnRate: 1 });
    expect(lost.buckets[1]).toMatchObject({ bucket: '2025-06', lostClients: 0, activeAtStart: 1, churnRate: 0 });
    const retention = (await get(org.id, 'reports/retention-by-staff?period=2025&windowDays=30').expect(200)).body;
    // a: first 02-03, back 02-20 (17 days); b: came once.
    expect(retention.staff).toEqual([
      expect.objectContaining({ name: 'Ana', newClients: 2, matured: 2, returnedWithinWindow: 1, cameOnce: 1, repeatRate: 0.5, medianDaysToReturn: 17 }),
    ]);
    expect((await get(org.id, 'reports/reasons-by-revenue?period=2025').expect(200)).body.reasons).toEqual([
      { reasonId: null, label: null, unknown: true, clients: 1, lostRevenue: 40, share: 1, averageRevenue: 40 },
    ]);
    expect((await get(org.id, 'reports/churn-types?from=2025-05-01&to=2025-06-30').expect(200)).body.total).toMatchObject({ total: 1, counts: { passive: 1 } });
    expect((await get(org.id, 'reports/intensive-care').expect(200)).body).toMatchObject({ period: null, total: 0, rows: [] });
  });

  it('coalesces requests while a refresh waits, queues one more while it runs, and keeps a nightly scheduler per organization', async () => {
    const queue = new Queue(QueueName.ReportRollups, { connection: redis, prefix });
    const lock = await db.pool.connect();
    try {
      const processor = app.get(ReportRollupsProcessor);
      const [firstId, nextId] = [`report-rollups-${other.id}`, `report-rollups-${other.id}-next`];
      await queue.pause();
      expect(await processor.request(other.id)).toBe(firstId);
      expect(await processor.request(other.id)).toBe(firstId);
      expect(await queue.getWaitingCount()).toBe(1);

      // Hold the refresh's advisory lock, so the job starts and then blocks inside refresh().
      await lock.query(`SELECT pg_advisory_lock(hashtextextended('report-rollups:' || $1, 0))`, [other.id]);
      await queue.resume();
      await waitFor('the refresh to be running', async () => (await (await queue.getJob(firstId))?.getState()) === 'active');
      // Data that arrives now must be picked up: a second job under the other id, once.
      expect(await processor.request(other.id)).toBe(nextId);
      expect(await processor.request(other.id)).toBe(nextId);
      expect((await queue.getJob(nextId))?.data).toEqual({ organizationId: other.id });
      await lock.query(`SELECT pg_advisory_unlock(hashtextextended('report-rollups:' || $1, 0))`, [other.id]);
      await waitFor('both refreshes to finish', async () => !(await queue.getJob(firstId)) && !(await queue.getJob(nextId)));
      expect((await db.pool.query(`SELECT 1 FROM report_rollup_state WHERE organization_id = $1`, [other.id])).rowCount).toBe(1);

      expect(await app.get(ReportRollupsScheduler).sync()).toBe(2);
      const schedulers = await queue.getJobSchedulers(0, -1);
      expect(schedulers.map((s) => s.key).sort()).toEqual([`report-rollups:${org.id}`, `report-rollups:${other.id}`].sort());
      // Default sweep at 03:00 local, rollups 90 minutes later, in each organization's timezone.
      expect(schedulers.find((s) => s.key === `report-rollups:${other.id}`)).toMatchObject({ pattern: '0 30 4 * * *', tz: 'Europe/Istanbul' });
    } finally {
      lock.release();
      await queue.close();
    }
  });
});
