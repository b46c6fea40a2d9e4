import type { IncomingMessage } from 'node:http';
import Redis from 'ioredis';
import { freePort, startPrivateRedis, TEST_REDIS_URL, testRedisPrefix, waitFor, type PrivateRedis } from '@comeback/testing';
import { clientIp, hashedKey, RATE_LIMIT_REDIS_TIMEOUT_MS, RedisRateLimit } from './rate-limit';

const request = (peer: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('clientIp', () => {
  it('is the socket peer unless proxies are trusted, and then the address the outermost trusted proxy saw', () => {
    expect(clientIp(request('10.0.0.5', '1.2.3.4'), 0)).toBe('10.0.0.5');
    expect(clientIp(request('10.0.0.5', '1.2.3.4'), 1)).toBe('1.2.3.4');
    // A client writing its own X-Forwarded-For cannot choose its address: only the entries the trusted hops added count.
    expect(clientIp(request('10.0.0.5', 'forged, 1.2.3.4'), 1)).toBe('1.2.3.4');
    expect(clientIp(request('10.0.0.5', 'forged, 1.2.3.4, 10.0.0.9'), 2)).toBe('1.2.3.4');
    expect(clientIp(request('10.0.0.5'), 1)).toBe('10.0.0.5');
  });
});

describe('RedisRateLimit (real Redis)', () => {
  let redis: Redis;
  const prefix = testRedisPrefix();
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => redis.quit());

  it('counts per key under the prefix, refuses past the limit with the time left, and forgets on reset', async () => {
    const limit = new RedisRateLimit(redis, prefix, 'spec', { points: 3, durationSeconds: 60 });
    expect(await limit.check('a')).toEqual({ allowed: true });
    for (let i = 0; i < 3; i++) expect(await limit.consume('a')).toEqual({ allowed: true });
    expect(await limit.check('a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(await limit.consume('a')).toMatchObject({ allowed: false });
    expect(limit.checkInMemory('a')).toMatchObject({ allowed: false });
    expect(await limit.check('b')).toEqual({ allowed: true });
    expect(await redis.get(`${prefix}:rate-limit:spec:a`)).toBe('3');

    // Another process (replica) with the same prefix sees the same count in Redis.
    const replica = new RedisRateLimit(redis, prefix, 'spec', { points: 3, durationSeconds: 60 });
    expect(replica.checkInMemory('a')).toEqual({ allowed: true });
    expect(await replica.check('a')).toMatchObject({ allowed: false });
    await replica.reset('a');
    expect(await replica.check('a')).toEqual({ allowed: true });
    expect(await redis.exists(`${prefix}:rate-limit:spec:a`)).toBe(0);
  });

  it('hashes keys that hold personal data', () => {
    expect(hashedKey('nino@clinic.ge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashedKey('nino@clinic.ge')).not.toContain('nino');
  });
});

/**
 * Redis going away must not turn a limit into an error (a 500 at sign-in) or into no limit at all
 * (unlimited guessing): the limit counts in this process's memory until Redis is back.
 */
describe('RedisRateLimit when Redis is unavailable (private redis-server)', () => {
  let server: PrivateRedis;
  let redis: Redis;
  const prefix = testRedisPrefix();

  beforeAll(async () => {
    server = await startPrivateRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    await redis.ping();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.destroy();
  });

  it('counts in memory while Redis is down, at once, and refuses past the limit', async () => {
    const limit = new RedisRateLimit(redis, prefix, 'down', { points: 3, durationSeconds: 60 });
    await server.stop();
    await waitFor('the client to see Redis gone', async () => redis.status !== 'ready');

    const started = Date.now();
    expect(await limit.check('b')).toEqual({ allowed: true });
    for (let i = 0; i < 3; i++) expect(await limit.consume('b')).toEqual({ allowed: true });
    expect(await limit.consume('b')).toMatchObject({ allowed: false, retryAfterSeconds: 60 });
    expect(await limit.check('b')).toMatchObject({ allowed: false });
    expect(limit.checkInMemory('b')).toMatchObject({ allowed: false });
    // Without waiting for Redis (nor for the timeout of a Redis that does not answer).
    expect(Date.now() - started).toBeLessThan(RATE_LIMIT_REDIS_TIMEOUT_MS);

    await limit.reset('b');
    expect(limit.checkInMemory('b')).toEqual({ allowed: true });
    expect(await limit.check('b')).toEqual({ allowed: true });

    await server.start();
    await waitFor('the client to reconnect', async () => redis.status === 'ready');
    // Counted in Redis again once it is back.
    expect(await limit.consume('c')).toEqual({ allowed: true });
    expect(await redis.get(`${prefix}:rate-limit:down:c`)).toBe('1');
  });

  it('counts in memory, at once, on a client whose first connection failed (an app started while Redis is down)', async () => {
    const nowhere = new Redis(`redis://127.0.0.1:${await freePort()}`, { maxRetriesPerRequest: null });
    nowhere.on('error', () => undefined);
    try {
      const limit = new RedisRateLimit(nowhere, prefix, 'nowhere', { points: 1, durationSeconds: 60 });
      await new Promise((resolve) => nowhere.once('reconnecting', resolve));
      const started = Date.now();
      expect(await limit.consume('e')).toEqual({ allowed: true });
      expect(await limit.consume('e')).toMatchObject({ allowed: false });
      expect(Date.now() - started).toBeLessThan(RATE_LIMIT_REDIS_TIMEOUT_MS);
    } finally {
      nowhere.disconnect();
    }
  });

  it('counts in memory when connected Redis does not answer in time', async () => {
    const limit = new RedisRateLimit(redis, prefix, 'hung', { points: 1, durationSeconds: 60 });
    server.pause();
    try {
      const started = Date.now();
      expect(await limit.consume('d')).toEqual({ allowed: true });
      expect(await limit.consume('d')).toMatchObject({ allowed: false });
      expect(limit.checkInMemory('d')).toMatchObject({ allowed: false });
      expect(Date.now() - started).toBeGreaterThanOrEqual(RATE_LIMIT_REDIS_TIMEOUT_MS);
    } finally {
      server.resume();
    }
  });
});
