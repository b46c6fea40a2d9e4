import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { REDIS, type RedisClient } from '@comeback/platform';
import { createTestDatabase, startPrivateRedis, testRedisPrefix, waitFor, type PrivateRedis, type TestDatabase } from '@comeback/testing';
import { startTestCollector, type TestCollector } from '../testing/test-collector';

jest.setTimeout(120_000);

const LIMIT = 4;

/**
 * The public side's limit of failed requests per address while the web process's Redis is down:
 * still applied (counted in the process's memory), not lifted, and no errors; each of the
 * process's two Redis connections (the app's, the intake's) says once that it is lost.
 */
describe('public rate limits while Redis is down', () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let collector: TestCollector;
  let consoleError: jest.SpyInstance;
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) };
  const guess = (ip: string) => request(collector.app.getHttpServer()).get(`/f/${randomBytes(18).toString('base64url')}`).set('X-Forwarded-For', ip);

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await startPrivateRedis();
    collector = await startTestCollector(
      {
        DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_PREFIX: testRedisPrefix(), PUBLIC_BASE_URL: 'https://answers.example.test',
        TRUST_PROXY: '1', RATE_LIMIT_PUBLIC_FAILURES_PER_IP: String(LIMIT), LOG_LEVEL: 'warn',
      },
      { worker: false, logDestination: destination },
    );
    consoleError = jest.spyOn(console, 'error');
  });

  afterAll(async () => {
    consoleError?.mockRestore();
    await redis?.start();
    // Closed once connected again (a client quit while it reconnects leaves ioredis a timer).
    await waitFor('both connections to be back', async () => lines.filter((l) => l.event === 'redis.connection.back').length === 2).catch(() => undefined);
    await collector?.close();
    await redis?.destroy();
    await db?.drop();
  });

  it('refuses an address past its failures with 429, counted in memory, and logs each connection lost once', async () => {
    // Running, connected: then Redis goes.
    expect(await collector.app.get<RedisClient>(REDIS).ping()).toBe('PONG');
    await redis.stop();
    await waitFor('both connections to say they are lost', async () => lines.filter((l) => l.event === 'redis.connection.lost').length === 2);
    expect(lines.filter((l) => l.event === 'redis.connection.lost').map((l) => l.connection).sort()).toEqual([
      'comeback-response-collector',
      'comeback-response-collector-intake',
    ]);

    for (let i = 0; i < LIMIT; i++) await guess('198.51.100.7').expect(404);
    const refused = await guess('198.51.100.7').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not refused.
    await guess('198.51.100.8').expect(404);

    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => l.event)).toEqual(['redis.connection.lost', 'redis.connection.lost']);
    expect(consoleError).not.toHaveBeenCalled();
  });
});
