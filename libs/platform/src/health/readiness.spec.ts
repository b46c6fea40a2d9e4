import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { freePort, startPrivatePostgres, testRedisPrefix, waitFor, type PrivatePostgres } from '@comeback/testing';
import { createNestApp } from '../bootstrap';

jest.setTimeout(120_000);

/** A redis-server of the test's own (nothing on disk), started and stopped at will. */
class PrivateRedis {
  private child?: ChildProcess;

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    // Already running: a second server would fail to bind and this one would be left running
    // past the test (a live child process keeps Jest from exiting).
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitFor('the private Redis to listen', () => new Promise<boolean>((resolve) => {
      const socket = createServer().listen(this.port, '127.0.0.1');
      socket.once('listening', () => socket.close(() => resolve(false)));
      socket.once('error', () => resolve(true));
    }), 10_000);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }
}

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
    redis = new PrivateRedis(await freePort());
    await redis.start();
    app = await createNestApp({
      app: 'readiness-probe',
      config: { DATABASE_URL: pg.url, REDIS_URL: `redis://127.0.0.1:${redis.port}`, REDIS_PREFIX: testRedisPrefix(), HOST: '127.0.0.1', PORT: 0, LOG_LEVEL: 'error' },
    });
    await app.init();
  });

  afterAll(async () => {
    await redis?.start().catch(() => undefined);
    await app?.close();
    await redis?.stop();
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
