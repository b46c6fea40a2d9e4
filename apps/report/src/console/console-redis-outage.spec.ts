import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createStaffAccount } from '@comeback/accounts';
import { loadConfig } from '@comeback/config';
import { createNestApp, REDIS, type RedisClient } from '@comeback/platform';
import { createTestDatabase, factories, freePort, startPrivateRedis, testRedisPrefix, waitFor, type PrivateRedis, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../config';
import { reportAppOptions } from '../report-app';
import { postSignIn, sessionCookieOf } from '../testing/console-session';

jest.setTimeout(120_000);

const PASSWORD = 'long enough passphrase';

/**
 * The report app (as it runs) on a Redis of the test's own that goes away: the outage is one
 * structured warning and one line when Redis is back, not ioredis's "Unhandled error event" or a
 * line per reconnect attempt; the console's sign-in keeps working (sessions are in PostgreSQL)
 * and its rate limits keep holding, counted in memory.
 */
describe('the report app while its Redis is down', () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let app: NestExpressApplication;
  let consoleError: jest.SpyInstance;
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) };
  const http = () => request(app.getHttpServer());
  const linesOf = (event: string) => lines.filter((l) => l.event === event && l.connection === 'comeback-report');

  /** One sign-in attempt from `ip` (X-Forwarded-For, trusted: TRUST_PROXY=1). */
  const attempt = (email: string, password: string, ip: string): Promise<request.Response> => postSignIn(app, email, password, { ip });

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await startPrivateRedis();
    const config = loadConfig('report', REPORT_ENV, {
      DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'warn',
      TRUST_PROXY: '1', RATE_LIMIT_LOGIN_PER_IP: '6', RATE_LIMIT_LOGIN_PER_EMAIL: '4', LOGIN_LOCKOUT_THRESHOLD: '50',
    });
    app = await createNestApp({ ...reportAppOptions(config), config, logDestination: destination });
    await app.init();
    const org = await factories(db.pool).organization({ name: 'Clinic A' });
    await createStaffAccount(db.pool, { organizationId: org.id, email: 'admin@a.ge', displayName: 'Admin', role: 'admin', password: PASSWORD });
    await createStaffAccount(db.pool, { organizationId: org.id, email: 'guessed@a.ge', displayName: 'Guessed', role: 'viewer', password: PASSWORD });
    consoleError = jest.spyOn(console, 'error');
  });

  afterAll(async () => {
    consoleError?.mockRestore();
    await redis?.start().catch(() => undefined);
    await app?.close();
    await redis?.destroy();
    await db?.drop();
  });

  it('logs the outage once, without unhandled error events or a line per reconnect attempt', async () => {
    const client = app.get<RedisClient>(REDIS);
    expect(await client.ping()).toBe('PONG');
    const before = lines.length;
    await redis.stop();
    let attempts = 0;
    client.on('reconnecting', () => attempts++);
    await waitFor('eight reconnect attempts', async () => attempts >= 8);

    expect(linesOf('redis.connection.lost')).toHaveLength(1);
    expect(linesOf('redis.connection.lost')[0]).toMatchObject({ level: 'warn', app: 'report', context: 'Redis' });
    const printed = consoleError.mock.calls.map((args) => args.map(String).join(' '));
    expect(printed.filter((p) => p.includes('Unhandled error event'))).toEqual([]);
    expect(printed).toEqual([]);
    // The only line of the outage at LOG_LEVEL=warn: no worker or queue repeating the connection's error.
    expect(lines.slice(before).map((l) => l.message)).toEqual([linesOf('redis.connection.lost')[0].message]);
  });

  it('signs in with the right password while Redis is down (a session, no 500)', async () => {
    const res = await attempt('admin@a.ge', PASSWORD, '198.51.100.10');
    expect(res.status).toBe(303);
    const session = sessionCookieOf(res)!;
    await http().get('/console/lost-clients').set('Cookie', session).expect(200);
  });

  it('still limits wrong passwords while Redis is down, per e-mail and per address', async () => {
    // Per e-mail (4 failures a window), from addresses that change each time.
    const perEmail: number[] = [];
    for (let i = 0; i < 5; i++) perEmail.push((await attempt('guessed@a.ge', `wrong ${i}`, `203.0.113.${i + 1}`)).status);
    expect(perEmail).toEqual([401, 401, 401, 401, 429]);
    // The right password does not get past the limit either.
    const refused = await attempt('guessed@a.ge', PASSWORD, '203.0.113.50');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    // Per address (6 failures a window), across e-mails (unknown ones too).
    const perIp: number[] = [];
    for (let i = 0; i < 7; i++) perIp.push((await attempt(`nobody${i}@a.ge`, 'wrong', '192.0.2.77')).status);
    expect(perIp).toEqual([401, 401, 401, 401, 401, 401, 429]);
    expect((await attempt('admin@a.ge', PASSWORD, '192.0.2.77')).status).toBe(429);
    // PostgreSQL's lockout kept counting underneath (threshold 50 here, so not locked).
    const { rows } = await db.pool.query(`SELECT failed_logins FROM staff_accounts WHERE email = 'guessed@a.ge'`);
    expect(rows[0].failed_logins).toBe(4);
  });

  it('logs one line when Redis is back, and counts in Redis again', async () => {
    await redis.start();
    await waitFor('the back line', async () => linesOf('redis.connection.back').length > 0);
    expect(linesOf('redis.connection.back')).toHaveLength(1);
    expect(linesOf('redis.connection.back')[0]).toMatchObject({ level: 'warn', app: 'report', context: 'Redis', attempts: expect.any(Number) });
    expect(linesOf('redis.connection.lost')).toHaveLength(1);
    expect(await attempt('admin@a.ge', PASSWORD, '198.51.100.11')).toMatchObject({ status: 303 });
    const before = await app.get<RedisClient>(REDIS).keys('*rate-limit:login-email*');
    expect((await attempt('someone@a.ge', 'wrong', '198.51.100.12')).status).toBe(401);
    const after = await app.get<RedisClient>(REDIS).keys('*rate-limit:login-email*');
    expect(after.length).toBe(before.length + 1);
    expect(consoleError).not.toHaveBeenCalled();
  });
});

/**
 * The same as a process (`node -r ./tools/register.js apps/report/src/main.ts`), for what only a
 * real process shows: what it prints to stdout and stderr. (Inside Jest, ioredis's "[ioredis]
 * Unhandled error event" is never printed: the socket's errors come from outside the test's realm,
 * and ioredis prints only `instanceof Error`.)
 */
describe('the report app as a process while its Redis is down', () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let child: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  const jsonLines = () =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const linesOf = (event: string) => jsonLines().filter((l) => l.event === event);

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await startPrivateRedis();
    const port = await freePort();
    child = spawn(process.execPath, ['-r', './tools/register.js', join('apps', 'report', 'src', 'main.ts')], {
      cwd: join(__dirname, '..', '..', '..', '..'),
      env: { ...process.env, DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_PREFIX: testRedisPrefix(), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    await waitFor(
      'the report app to answer',
      async () => {
        if (child!.exitCode !== null) throw new Error(`the report app exited ${child!.exitCode}:\n${stderr}`);
        return fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.ok, () => false);
      },
      60_000,
    );
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await redis?.destroy();
    await db?.drop();
  });

  it('prints one line when Redis goes and one when it is back: no unhandled error events, no stack per attempt', async () => {
    expect(jsonLines()).toEqual([]);
    await redis.stop();
    await waitFor('the lost line', async () => linesOf('redis.connection.lost').length > 0);
    // Let it retry for a while: the back line says how many attempts failed, checked below.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await redis.start();
    await waitFor('the back line', async () => linesOf('redis.connection.back').length > 0, 30_000);

    expect(linesOf('redis.connection.back')[0].attempts).toBeGreaterThanOrEqual(5);
    expect(jsonLines().map((l) => [l.level, l.context, l.event, l.connection])).toEqual([
      ['warn', 'Redis', 'redis.connection.lost', 'comeback-report'],
      ['warn', 'Redis', 'redis.connection.back', 'comeback-report'],
    ]);
    expect(stdout + stderr).not.toContain('Unhandled error event');
    expect(stderr).toBe('');
  });
});
