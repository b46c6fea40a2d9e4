import { randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import twilio from 'twilio';
import { QueueName } from '@comeback/contracts';
import { SECURITY_HEADERS } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { PUBLIC_CSP } from '../feedback/public-headers.middleware';
import { linkedMessage } from '../feedback/testing/personal-link.fixture';
import { LeanPathServer } from '../lean-path/lean-path.server';
import { startTestCollector, type TestCollector } from '../testing/test-collector';

const PUBLIC = 'https://answers.example.test';
const TOKEN = 'public-rate-limit-test-token';
const LIMIT = 5;

/**
 * The public side's hardening, over HTTP against the web process as it runs (real PostgreSQL and
 * Redis): helmet's headers on Express's answers and the same on the lean path's, and the limit of
 * failed requests per address (guessed links, forged signatures), shared by replicas through Redis.
 */
describe('public pages and webhooks: secure headers and rate limits', () => {
  let db: TestDatabase;
  let prefix: string;
  let collector: TestCollector;
  let replica: TestCollector;
  let app: NestExpressApplication;
  let orgId: string;
  let redis: Redis;
  let inbound: Queue;
  const http = (target = app) => request(target.getHttpServer());
  let sid = 0;
  const sms = (ip: string, o: { forged?: boolean; type?: string } = {}) => {
    const path = `/webhooks/twilio/sms?org=${orgId}`;
    const fields = { MessageSid: `SM${(++sid).toString(16).padStart(32, '0')}`, From: '+995599000777', To: '+995322000000', Body: 'price' };
    return http()
      .post(path)
      .set('X-Forwarded-For', ip)
      .set('Content-Type', o.type ?? 'application/x-www-form-urlencoded')
      .set('X-Twilio-Signature', o.forged ? 'Zm9yZ2VkIHNpZ25hdHVyZQ==' : twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}${path}`, fields))
      .send(new URLSearchParams(fields).toString());
  };
  const guess = (ip: string, target = app) => http(target).get(`/f/${randomBytes(18).toString('base64url')}`).set('X-Forwarded-For', ip);
  const queued = async () => inbound.count();

  beforeAll(async () => {
    process.env.PUBLIC_RATE_LIMIT_TEST_TOKEN = TOKEN;
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    const env = { DATABASE_URL: db.url, REDIS_PREFIX: prefix, PUBLIC_BASE_URL: PUBLIC, TRUST_PROXY: '1', RATE_LIMIT_PUBLIC_FAILURES_PER_IP: String(LIMIT) };
    collector = await startTestCollector(env, { worker: false });
    // A second replica of the web process, sharing Redis (and so the counts) with the first.
    replica = await startTestCollector(env, { worker: false });
    app = collector.app;
    orgId = (await factories(db.pool).organization({ name: 'Limit Clinic', defaultLocale: 'en' })).id;
    const settings = { providers: { sms: { type: 'twilio', accountSid: `AC${'4'.repeat(32)}`, authTokenEnv: 'PUBLIC_RATE_LIMIT_TEST_TOKEN', from: '+995322000000' } } };
    await db.pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = $1`, [orgId, settings]);
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    inbound = new Queue(QueueName.Inbound, { connection: redis, prefix });
  });
  afterAll(async () => {
    await replica?.close();
    await collector?.close();
    await inbound?.close();
    await redis?.quit();
    await db?.drop();
    delete process.env.PUBLIC_RATE_LIMIT_TEST_TOKEN;
  });

  it('puts helmet\'s headers on the lean path\'s answers as on Express\'s, and keeps the public pages\' own policy', async () => {
    const lean = app.get(LeanPathServer);
    const before = lean.served.lean;
    const viaLean = await sms('192.0.2.1').expect(200);
    expect(lean.served.lean).toBe(before + 1);
    const viaExpress = await sms('192.0.2.1', { type: 'application/x-www-form-urlencoded; charset=iso-8859-1' }).expect(200);
    expect(lean.served.lean).toBe(before + 1);
    for (const [name, value] of SECURITY_HEADERS) {
      expect([name, viaLean.headers[name.toLowerCase()]]).toEqual([name, value]);
      expect([name, viaExpress.headers[name.toLowerCase()]]).toEqual([name, value]);
    }
    expect(viaExpress.headers['x-powered-by']).toBeUndefined();

    const link = await linkedMessage(db.pool, orgId);
    const answer = new URLSearchParams({ text: 'moved away', rating: '4' }).toString();
    const leanAnswer = await http().post(`/f/${link.token}`).type('form').send(answer).expect(200);
    expect(lean.served.lean).toBe(before + 2);
    const page = await http().get(`/f/${link.token}`).expect(200);
    for (const res of [leanAnswer, page]) {
      expect(res.headers['content-security-policy']).toBe(PUBLIC_CSP);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-robots-tag']).toBe('noindex, nofollow');
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    }
  });

  it('refuses an address that guessed too many links: 429 with Retry-After on every public route, nothing queued', async () => {
    const ip = '198.51.100.10';
    for (let i = 0; i < LIMIT; i++) await guess(ip).expect(404);
    const refused = await guess(ip).expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(500);
    expect(refused.text).toContain('too many failed requests from your address');
    expect(refused.headers['x-frame-options']).toBe('DENY');

    // Even a valid link from that address, on either door (lean path and Express), is refused and queues nothing.
    const link = await linkedMessage(db.pool, orgId);
    const waiting = await queued();
    const answer = new URLSearchParams({ text: 'too far', rating: '3' }).toString();
    const lean = await http().post(`/f/${link.token}`).set('X-Forwarded-For', ip).type('form').send(answer).expect(429);
    expect(lean.headers['content-security-policy']).toBe(PUBLIC_CSP);
    expect(Number(lean.headers['retry-after'])).toBeGreaterThan(500);
    await http().get(`/u/${link.token}`).set('X-Forwarded-For', ip).expect(429);
    await http().post(`/u/${link.token}`).set('X-Forwarded-For', ip).type('form').send('List-Unsubscribe=One-Click').expect(429);
    await sms(ip).expect(429);
    expect(await queued()).toBe(waiting);
    const consent = await db.pool.query(`SELECT count(*)::int AS n FROM consent_changes WHERE organization_id = $1`, [orgId]);
    expect(consent.rows[0].n).toBe(0);

    // Another address is not affected, and a refused form (400, a person's typo) does not count.
    const other = '198.51.100.11';
    for (let i = 0; i < LIMIT + 2; i++) await http().post(`/f/${link.token}`).set('X-Forwarded-For', other).type('form').send('rating=9').expect(400);
    await http().post(`/f/${link.token}`).set('X-Forwarded-For', other).type('form').send(answer).expect(200);
    expect(await queued()).toBe(waiting + 1);
  });

  it('does not count expired or revoked links (real ones): a mail provider\'s one-click posts of old messages all get their answer', async () => {
    const provider = '198.51.100.40';
    const expired = await linkedMessage(db.pool, orgId, { sentDaysAgo: 400 });
    const revoked = await linkedMessage(db.pool, orgId, { revoked: true });
    for (let i = 0; i < LIMIT + 3; i++) {
      await http().post(`/u/${(i % 2 ? expired : revoked).token}`).set('X-Forwarded-For', provider).type('form').send('List-Unsubscribe=One-Click').expect(410);
    }
    const live = await linkedMessage(db.pool, orgId, { channel: 'email' });
    await http().post(`/u/${live.token}`).set('X-Forwarded-For', provider).type('form').send('List-Unsubscribe=One-Click').expect(200);
    const consent = await db.pool.query(`SELECT status FROM consent_changes WHERE organization_id = $1 AND client_id = $2 AND channel = 'email'`, [orgId, live.clientId]);
    expect(consent.rows.map((r) => r.status)).toEqual(['revoked']);
  });

  it('refuses an address that sent forged webhook signatures, while signed requests from others all go through', async () => {
    const forger = '203.0.113.20';
    const waiting = await queued();
    for (let i = 0; i < LIMIT; i++) await sms(forger, { forged: true }).expect(403);
    await sms(forger, { forged: true }).expect(429);
    await sms(forger).expect(429);
    expect(await queued()).toBe(waiting);
    // Valid, signed texts from Twilio's address are never counted, however many.
    for (let i = 0; i < LIMIT * 3; i++) await sms('203.0.113.21').expect(200);
    expect(await queued()).toBe(waiting + LIMIT * 3);
  });

  it('shares the counts between replicas through Redis', async () => {
    const ip = '198.51.100.30';
    for (let i = 0; i < LIMIT - 2; i++) await guess(ip, collector.app).expect(404);
    await guess(ip, replica.app).expect(404);
    await guess(ip, replica.app).expect(404);
    // The replica saw the address reach the limit (its count is the shared one): refused there at once.
    await guess(ip, replica.app).expect(429);
    // The first learns it at the address's next failure there, from the shared count.
    await guess(ip, collector.app).expect(404);
    await guess(ip, collector.app).expect(429);
    const keys = await redis.keys(`${prefix}:rate-limit:public-failures-ip:*`);
    expect(keys).toEqual(expect.arrayContaining([`${prefix}:rate-limit:public-failures-ip:${ip}`]));
  });
});
