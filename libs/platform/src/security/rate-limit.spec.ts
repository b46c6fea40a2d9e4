import type { IncomingMessage } from 'node:http';
import Redis from 'ioredis';
import { TEST_REDIS_URL, testRedisPrefix } from '@comeback/testing';
import { clientIp, hashedKey, RedisRateLimit } from './rate-limit';

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
