import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loadConfig } from '@comeback/config';
import { createApiKey } from '@comeback/ingestion';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, waitFor, type TestDatabase, metricSample } from '@comeback/testing';
import { LAPSE_DETECTOR_ENV } from '../config';
import { SweepModule } from './sweep.module';

const DAY = 86_400_000;

const sample = metricSample;

/** The lapse detector's /metrics after a real sweep asked for through its API: the sweep's duration, its jobs. */
describe('lapse detector metrics', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  const scrape = async () => (await request(app.getHttpServer()).get('/metrics').expect(200)).text;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('lapse-detector', LAPSE_DETECTOR_ENV, {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error', LAPSE_CHUNK_CLIENTS: '2',
    });
    app = await createNestApp({ app: 'lapse-detector', config, imports: [SweepModule.forRoot(config)] });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('observes the duration of a finished sweep by kind, and counts its jobs', async () => {
    const make = factories(db.pool);
    const orgId = (await make.organization({ timezone: 'UTC' })).id;
    const key = (await createApiKey(db.pool, orgId, 'test')).key;
    for (let i = 0; i < 5; i++) {
      const client = await make.client(orgId, { externalId: `c${i}` });
      // A weekly rhythm that stopped 100 days ago: lapsed.
      await make.visits(orgId, client, Array.from({ length: 10 }, (_, v) => new Date(Date.now() - (100 + 7 * v) * DAY)), 40);
    }
    const before = await scrape();
    expect(sample(before, 'comeback_lapse_sweep_duration_seconds_count', { kind: 'full' })).toBe(0);
    const res = await request(app.getHttpServer())
      .post(`/api/v1/organizations/${orgId}/lapse-sweeps`)
      .set('Authorization', `Bearer ${key}`)
      .set('X-Request-Id', 'sweep-request-0001')
      .send({ full: true })
      .expect(202);
    expect(res.headers['x-request-id']).toBe('sweep-request-0001');
    await waitFor('the sweep to finish', async () => (await db.pool.query(`SELECT status FROM lapse_sweeps WHERE id = $1`, [res.body.sweepId])).rows[0].status === 'done');
    const after = await waitFor('the sweep to be measured', async () => {
      const text = await scrape();
      return sample(text, 'comeback_lapse_sweep_duration_seconds_count', { kind: 'full' }) === 1 ? text : undefined;
    });
    const { rows } = await db.pool.query<{ seconds: number }>(`SELECT extract(epoch FROM finished_at - started_at)::float8 AS seconds FROM lapse_sweeps WHERE id = $1`, [res.body.sweepId]);
    expect(sample(after, 'comeback_lapse_sweep_duration_seconds_sum', { kind: 'full' })).toBeCloseTo(rows[0].seconds, 3);
    // Planning and three chunks of two clients, each a job of the lapse-sweep queue.
    expect(sample(after, 'comeback_jobs_processed_total', { queue: 'lapse-sweep', outcome: 'completed' })).toBeGreaterThanOrEqual(4);
  });
});
