import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { startPrivatePostgres, startPrivateRedis, testRedisPrefix, waitFor, type PrivatePostgres, type PrivateRedis } from '@comeback/testing';
import { createNestApp } from '../bootstrap';

jest.setTimeout(120_000);

/**
 * Readiness against stores the test owns: /health/ready is 200 while PostgreSQL and Redis answer,
 * 503 naming the one that is gone while it is gone, and 200 again once it is back; /health/live
 * stays 200 throughout (an outage must not get every pod restarted).
 */
describe('readiness (/health/ready) when PostgreSQL or Redis goes away', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    // Its own redis-server (nothing on disk): stopping it must not touch anyone else's Redis.
    redis = await startPrivateRedis();
    app = await createNestApp({
      app: 'readiness-probe',
      config: { DATABASE_URL: pg.url, REDIS_URL: redis.url, REDIS_PREFIX: testRedisPrefix(), HOST: '127.0.0.1', PORT: 0, LOG_LEVEL: 'error' },
    });
    await app.init();
  });

  afterAll(async () => {
    await redis?.start().catch(() => undefined);
    await app?.close();
    await redis?.destroy();
    pg?.destroy();
  });

  it('is ready while both answer', async () => {
    const res = await http().get('/health/ready').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', checks: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('answers 503 naming PostgreSQL while it is stopped, and is ready again once it is back', async () => {
    pg.stop();
    const res = await http().get('/health/ready').expect(503);
    expect(res.body).toMatchObject({ status: 'error', checks: { postgres: { status: 'down' }, redis: { status: 'up' } } });
    expect(res.body.checks.postgres.error).toEqual(expect.any(String));
    await http().get('/health/live').expect(200);
    pg.start();
    await waitFor('readiness after PostgreSQL is back', async () => (await http().get('/health/ready')).status === 200, 30_000);
  });

  it('answers 503 naming Redis while it is stopped, and is ready again once it is back', async () => {
    await redis.stop();
    const res = await http().get('/health/ready').expect(503);
    expect(res.body).toMatchObject({ status: 'error', checks: { postgres: { status: 'up' }, redis: { status: 'down' } } });
    await http().get('/health/live').expect(200);
    // /metrics still answers (queue depths left out) instead of hanging on the missing Redis.
    const metrics = await http().get('/metrics').expect(200);
    expect(metrics.text).not.toContain('comeback_queue_jobs{');
    await redis.start();
    await waitFor('readiness after Redis is back', async () => (await http().get('/health/ready')).status === 200, 30_000);
    expect((await http().get('/metrics').expect(200)).text).toContain('comeback_queue_jobs{');
  });
});
