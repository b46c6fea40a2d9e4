import { EventEmitter } from 'node:events';
import Redis from 'ioredis';
import { startPrivateRedis, waitFor, type PrivateRedis } from '@comeback/testing';
import { JsonLogger } from './observability';
import { isRedisConnectionError, REDIS_OUTAGE_QUIET_MS, REDIS_OUTAGE_REMINDER_MS, watchRedisConnection } from './redis-connection-watch';

jest.setTimeout(60_000);

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });

/** A client's events on a clock the test moves; the lines the watch wrote. */
function fakeClient() {
  const client = new EventEmitter();
  let t = 1_000_000;
  const lines: { message: string; fields: Record<string, unknown> }[] = [];
  watchRedisConnection(client, 'comeback-test', { warn: (message: string, fields: Record<string, unknown>) => void lines.push({ message, fields }) }, () => t);
  /** One failed reconnect attempt `ms` after the previous event. */
  const attempt = (ms = 2000) => {
    t += ms;
    client.emit('error', refused());
    client.emit('reconnecting', ms);
  };
  const back = (ms = 100) => {
    t += ms;
    client.emit('ready');
  };
  return { lines, attempt, back, wait: (ms: number) => (t += ms) };
}

describe('watchRedisConnection (events on a test clock)', () => {
  it('writes one line when the connection goes and one when it is back, none per attempt', () => {
    const c = fakeClient();
    for (let i = 0; i < 30; i++) c.attempt();
    expect(c.lines).toHaveLength(1);
    expect(c.lines[0].fields).toEqual({ event: 'redis.connection.lost', connection: 'comeback-test', error: 'connect ECONNREFUSED 127.0.0.1:6390', code: 'ECONNREFUSED' });
    expect(c.lines[0].message).toBe('redis connection comeback-test lost (connect ECONNREFUSED 127.0.0.1:6390); retrying, next line when it is back');
    c.back();
    expect(c.lines).toHaveLength(2);
    expect(c.lines[1].fields).toEqual({ event: 'redis.connection.back', connection: 'comeback-test', downSeconds: 58.1, attempts: 29 });
    // Ready again while up (a second ready) writes nothing.
    c.back();
    expect(c.lines).toHaveLength(2);
  });

  it('reminds every five minutes while the outage lasts', () => {
    const c = fakeClient();
    c.attempt();
    for (let ms = 0; ms < 2 * REDIS_OUTAGE_REMINDER_MS; ms += 2000) c.attempt();
    expect(c.lines.map((l) => l.fields.event)).toEqual(['redis.connection.lost', 'redis.connection.down', 'redis.connection.down']);
    expect(c.lines[1].fields).toMatchObject({ downSeconds: 300, attempts: 150 });
  });

  it('counts outages within a minute of the last one reported instead of writing a pair of lines each', () => {
    const c = fakeClient();
    c.attempt();
    c.back();
    for (let i = 0; i < 5; i++) {
      c.wait(1000);
      c.attempt(10);
      c.back(10);
    }
    expect(c.lines.map((l) => l.fields.event)).toEqual(['redis.connection.lost', 'redis.connection.back']);
    c.wait(REDIS_OUTAGE_QUIET_MS);
    c.attempt();
    expect(c.lines[2].fields).toMatchObject({ event: 'redis.connection.lost', outagesNotReported: 5 });
    c.back();
    expect(c.lines[3].fields).toMatchObject({ event: 'redis.connection.back' });
  });

  it('reports an outage it held back once the quiet minute is over, if it is still going on', () => {
    const c = fakeClient();
    c.attempt();
    c.back();
    c.wait(10_000);
    c.attempt();
    for (let ms = 0; ms < REDIS_OUTAGE_QUIET_MS; ms += 2000) c.attempt();
    expect(c.lines.map((l) => l.fields.event)).toEqual(['redis.connection.lost', 'redis.connection.back', 'redis.connection.lost']);
    expect(c.lines[2].fields).not.toHaveProperty('outagesNotReported');
    c.back();
    expect(c.lines[3].fields).toMatchObject({ event: 'redis.connection.back' });
  });
});

describe('isRedisConnectionError', () => {
  it('tells a connection failing from an error about a job', () => {
    expect(isRedisConnectionError(refused())).toBe(true);
    expect(isRedisConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isRedisConnectionError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRedisConnectionError(new Error('Missing lock for job 12. moveToFinished'))).toBe(false);
    expect(isRedisConnectionError(new Error('ERR unknown command'))).toBe(false);
    expect(isRedisConnectionError(undefined)).toBe(false);
  });
});

/**
 * On a real client. Whether ioredis prints "Unhandled error event" cannot be seen from inside Jest
 * (it prints only errors that are `instanceof Error`, and the socket's come from outside the test's
 * realm): apps/report's console-redis-outage.spec runs the app as a process for that.
 */
describe('watchRedisConnection on a real client when its Redis goes away (private redis-server)', () => {
  let redis: PrivateRedis;
  let client: Redis;
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) };

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const logger = new JsonLogger('watch-probe', 'log', destination);
    client = watchRedisConnection(new Redis(redis.url, { maxRetriesPerRequest: null }), 'comeback-probe', {
      warn: (message: string, fields: Record<string, unknown>) => logger.warn(message, fields, 'Redis'),
    });
    expect(await client.ping()).toBe('PONG');
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.destroy();
  });

  const linesOf = (event: string) => lines.filter((l) => l.event === event);

  it('logs one structured warning for the outage however many attempts fail, and one when it is back', async () => {
    expect(client.listenerCount('error')).toBe(1);
    await redis.stop();
    let attempts = 0;
    client.on('reconnecting', () => attempts++);
    await waitFor('eight reconnect attempts', async () => attempts >= 8);

    const lost = linesOf('redis.connection.lost');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ level: 'warn', app: 'watch-probe', context: 'Redis', connection: 'comeback-probe' });
    expect(String(lost[0].message)).toMatch(/^redis connection comeback-probe lost \(/);

    await redis.start();
    await waitFor('the back line', async () => linesOf('redis.connection.back').length > 0);
    expect(await client.ping()).toBe('PONG');
    const back = linesOf('redis.connection.back');
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ level: 'warn', context: 'Redis', connection: 'comeback-probe', downSeconds: expect.any(Number) });
    expect(back[0].attempts).toBeGreaterThanOrEqual(7);
    expect(String(back[0].message)).toMatch(/^redis connection comeback-probe is back after /);
    expect(lines).toHaveLength(2);
  });
});
