import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import twilio from 'twilio';
import { createTestDatabase, factories, testRedisPrefix, type TestDatabase, metricSample } from '@comeback/testing';
import { startTestCollector, type TestCollector } from '../testing/test-collector';
import { LeanPathServer } from './lean-path.server';

const PUBLIC = 'https://answers.example.test';
const TOKEN = 'lean-path-metrics-auth-token';

const sample = metricSample;

/**
 * The lean path (answered at the HTTP server, before Express) is observed like any request: a
 * correlation id echoed, one latency observation under its route template, once even when it is
 * handed on to Express; the inbound worker's jobs are counted by outcome.
 */
describe('observability of the lean path and the inbound worker', () => {
  let db: TestDatabase;
  let collector: TestCollector;
  let app: NestExpressApplication;
  let lean: LeanPathServer;
  let orgId: string;
  const http = () => request(app.getHttpServer());
  const scrape = async (target: NestExpressApplication = app) => (await request(target.getHttpServer()).get('/metrics').expect(200)).text;
  const sms = (n: number, o: { signature?: string; requestId?: string } = {}) => {
    const path = `/webhooks/twilio/sms?org=${orgId}`;
    const fields = { MessageSid: `SM${n.toString(16).padStart(32, '0')}`, From: '+995599000777', To: '+995322000000', Body: 'HELP' };
    const req = http()
      .post(path)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set('X-Twilio-Signature', o.signature ?? twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}${path}`, fields));
    if (o.requestId) req.set('X-Request-Id', o.requestId);
    return req.send(new URLSearchParams(fields).toString());
  };
  const smsCount = (text: string, status: string) => sample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/webhooks/twilio/sms', status_code: status });

  beforeAll(async () => {
    process.env.LEAN_PATH_METRICS_TOKEN = TOKEN;
    db = await createTestDatabase();
    collector = await startTestCollector({ DATABASE_URL: db.url, REDIS_PREFIX: testRedisPrefix(), PUBLIC_BASE_URL: PUBLIC });
    app = collector.app;
    lean = app.get(LeanPathServer);
    orgId = (await factories(db.pool).organization({ name: 'Metrics Clinic', defaultLocale: 'en' })).id;
    const settings = { contact: '+995 32 200 00 00', providers: { sms: { type: 'twilio', accountSid: `AC${'4'.repeat(32)}`, authTokenEnv: 'LEAN_PATH_METRICS_TOKEN', from: '+995322000000' } } };
    await db.pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = $1`, [orgId, settings]);
  });
  afterAll(async () => {
    await collector?.close();
    await db?.drop();
    delete process.env.LEAN_PATH_METRICS_TOKEN;
  });

  it('gives a text answered on the lean path a correlation id and one latency observation', async () => {
    const before = { metrics: await scrape(), lean: lean.served.lean };
    const res = await sms(1, { requestId: 'twilio-edge-00000001' }).expect(200);
    expect(lean.served.lean).toBe(before.lean + 1);
    expect(res.headers['x-request-id']).toBe('twilio-edge-00000001');
    const after = await scrape();
    expect(smsCount(after, '200')).toBe(smsCount(before.metrics, '200') + 1);
    const generated = await sms(2).expect(200);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts a request handed on to Express once, under its route', async () => {
    const before = { metrics: await scrape(), handedOn: lean.served.handedOn };
    await sms(3, { signature: 'forged' }).expect(403);
    expect(lean.served.handedOn).toBe(before.handedOn + 1);
    const after = await scrape();
    expect(smsCount(after, '403')).toBe(smsCount(before.metrics, '403') + 1);
    expect(sample(after, 'http_request_duration_seconds_count', { route: 'unmatched', status_code: '403' })).toBe(0);
  });

  it('labels feedback answers by the route template, never the token', async () => {
    const token = 'NoSuchToken_abcdefghijklmnop';
    const res = await http().post(`/f/${token}`).type('form').send('reason=1');
    expect(res.status).toBeGreaterThanOrEqual(400);
    const text = await scrape();
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/f/:token', status_code: String(res.status) })).toBe(1);
    expect(text).not.toContain(token);
  });

  it("counts the inbound worker's jobs by outcome", async () => {
    await collector.settled();
    const text = await scrape(collector.worker as NestExpressApplication);
    expect(sample(text, 'comeback_jobs_processed_total', { queue: 'inbound', outcome: 'completed' })).toBeGreaterThanOrEqual(2);
    expect(text).toContain('app="response-collector-worker"');
  });
});
