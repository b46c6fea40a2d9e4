import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import twilio from 'twilio';
import { createTestDatabase, factories, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { linkedMessage, reason } from '../feedback/testing/personal-link.fixture';
import { startTestCollector, type TestCollector } from '../testing/test-collector';
import { LeanPathServer } from './lean-path.server';

const PUBLIC = 'https://answers.example.test';
const TOKEN = 'lean-path-test-auth-token';
/** A form content type the lean path leaves to Express (its body parser reads Latin-1; ASCII reads the same). */
const LATIN1_FORM = 'application/x-www-form-urlencoded; charset=iso-8859-1';

/**
 * The web process's lean path (LeanPathServer): a plain form post of an inbound text or a feedback
 * answer is answered at the HTTP server, before Express, with the same answer Express and the
 * controllers give; anything else (a refused signature or answer, a request that is not a plain
 * UTF-8 form) reaches the controllers as before, its body intact.
 */
describe('the lean path of inbound texts and feedback answers', () => {
  let db: TestDatabase;
  let collector: TestCollector;
  let app: NestExpressApplication;
  let lean: LeanPathServer;
  let orgId: string;
  let priceReason: string;
  const http = () => request(app.getHttpServer());
  const sid = (n: number) => `SM${n.toString(16).padStart(32, '0')}`;
  const sms = (n: number, body: string, o: { type?: string; signature?: string } = {}) => {
    const path = `/webhooks/twilio/sms?org=${orgId}`;
    const fields = { MessageSid: sid(n), From: '+995599000777', To: '+995322000000', Body: body };
    return http()
      .post(path)
      .set('Content-Type', o.type ?? 'application/x-www-form-urlencoded')
      .set('X-Twilio-Signature', o.signature ?? twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}${path}`, fields))
      .send(new URLSearchParams(fields).toString());
  };
  const counted = async <T>(work: () => Promise<T>): Promise<{ result: T; lean: number; handedOn: number }> => {
    const before = { ...lean.served };
    const result = await work();
    return { result, lean: lean.served.lean - before.lean, handedOn: lean.served.handedOn - before.handedOn };
  };

  beforeAll(async () => {
    process.env.LEAN_PATH_TEST_TOKEN = TOKEN;
    db = await createTestDatabase();
    collector = await startTestCollector({ DATABASE_URL: db.url, REDIS_PREFIX: testRedisPrefix(), PUBLIC_BASE_URL: PUBLIC });
    app = collector.app;
    lean = app.get(LeanPathServer);
    orgId = (await factories(db.pool).organization({ name: 'Lean Clinic', defaultLocale: 'en' })).id;
    const settings = { contact: '+995 32 200 00 00', providers: { sms: { type: 'twilio', accountSid: `AC${'3'.repeat(32)}`, authTokenEnv: 'LEAN_PATH_TEST_TOKEN', from: '+995322000000' } } };
    await db.pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = $1`, [orgId, settings]);
    priceReason = await reason(db.pool, orgId, 'Too expensive', { usage: 3 });
  });
  afterAll(async () => {
    await collector?.close();
    await db?.drop();
    delete process.env.LEAN_PATH_TEST_TOKEN;
  });

  it('answers a signed text itself, with what Express and the controller answer', async () => {
    const viaLean = await counted(() => sms(1, 'HELP').expect(200));
    expect(viaLean).toMatchObject({ lean: 1, handedOn: 0 });
    const viaExpress = await counted(() => sms(2, 'HELP', { type: LATIN1_FORM }).expect(200));
    expect(viaExpress).toMatchObject({ lean: 0, handedOn: 0 });
    for (const res of [viaLean.result, viaExpress.result]) {
      expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
      expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Lean Clinic: +995 32 200 00 00. Reply STOP to opt out.</Message></Response>');
    }
    await collector.settled();
    const kept = await db.pool.query(`SELECT idempotency_key, payload->>'Body' AS body, payload->>'organizationId' AS org FROM inbound_requests ORDER BY idempotency_key`);
    expect(kept.rows).toEqual([
      { idempotency_key: sid(1), body: 'HELP', org: orgId },
      { idempotency_key: sid(2), body: 'HELP', org: orgId },
    ]);
  });

  it('hands a refused signature on to Express, which answers 403 as before, and refuses a form with too many fields as the body parser does', async () => {
    expect(await counted(() => sms(3, '2', { signature: 'forged' }).expect(403))).toMatchObject({ lean: 0, handedOn: 1 });
    const path = `/webhooks/twilio/sms?org=${orgId}`;
    // More fields than the form limit: 413, as the body parser answers.
    await http().post(path).type('form').send(Array.from({ length: 2001 }, (_, i) => `f${i}=x`).join('&')).expect(413);
    // One field fewer is read (and refused for its signature by the controller).
    await http().post(path).type('form').send(Array.from({ length: 2000 }, (_, i) => `f${i}=x`).join('&')).expect(403);
    await collector.settled();
    expect((await db.pool.query(`SELECT 1 FROM inbound_requests WHERE idempotency_key = $1`, [sid(3)])).rowCount).toBe(0);
  });

  it('thanks a feedback answer itself behind the public pages\' headers, and hands a refused one on to the controller (400, the form again)', async () => {
    const m = await linkedMessage(db.pool, orgId, { clientLocale: 'ru' });
    const viaLean = await counted(() => http().post(`/f/${m.token}`).type('form').send({ reason: priceReason, text: 'дорого', rating: '2' }).expect(200));
    expect(viaLean).toMatchObject({ lean: 1, handedOn: 0 });
    const m2 = await linkedMessage(db.pool, orgId, { clientLocale: 'ru' });
    const viaExpress = await counted(() =>
      http().post(`/f/${m2.token}`).set('Content-Type', LATIN1_FORM).send(`reason=${priceReason}&rating=2`).expect(200),
    );
    expect(viaExpress).toMatchObject({ lean: 0, handedOn: 0 });
    for (const res of [viaLean.result, viaExpress.result]) {
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('<html lang="ru" dir="ltr">');
      expect(res.text).toContain('Спасибо');
      expect(res.headers['content-security-policy']).toContain("script-src 'none'");
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
    // The same page either way (the organization's name, the thanks, no call note).
    expect(viaLean.result.text).toBe(viaExpress.result.text);

    const refused = await counted(() => http().post(`/f/${m.token}`).type('form').send({ rating: '7' }).expect(400));
    expect(refused).toMatchObject({ lean: 0, handedOn: 1 });
    expect(refused.result.text).toContain('role="alert"');
    expect(refused.result.headers['content-security-policy']).toContain("script-src 'none'");
    const gone = await counted(() => http().post('/f/AAAAAAAAAAAAAAAAAAAAAAAA').type('form').send({ rating: '2' }).set('Accept-Language', 'en').expect(404));
    expect(gone).toMatchObject({ lean: 0, handedOn: 1 });
    expect(gone.result.text).toContain('This link does not work');

    await collector.settled();
    const answers = await db.pool.query(`SELECT message_id::text, free_text, rating FROM feedback_responses WHERE message_id = ANY($1::bigint[]) ORDER BY message_id`, [[m.messageId, m2.messageId]]);
    expect(answers.rows).toEqual([
      { message_id: m.messageId, free_text: 'дорого', rating: 2 },
      { message_id: m2.messageId, free_text: null, rating: 2 },
    ]);
  });

  it('shows the feedback page itself, the same page Express shows, each of many links opened at once its own (one batched read)', async () => {
    const links = await Promise.all(['ru', 'ka', 'en', 'he', 'ru', 'ka'].map((clientLocale) => linkedMessage(db.pool, orgId, { clientLocale })));
    await http().post(`/f/${links[0].token}`).type('form').send({ reason: priceReason, text: 'слишком дорого <b>', rating: '2' }).expect(200);
    await collector.settled();

    const views = await counted(() => Promise.all(links.map((l) => http().get(`/f/${l.token}`).expect(200))));
    expect(views).toMatchObject({ lean: links.length, handedOn: 0 });
    expect(views.result.map((r) => /<html lang="([a-z]+)"/.exec(r.text)?.[1])).toEqual(['ru', 'ka', 'en', 'he', 'ru', 'ka']);
    // The answer given so far is on its own link's page only, escaped.
    expect(views.result[0].text).toContain('слишком дорого &lt;b&gt;');
    expect(views.result.slice(1).some((r) => r.text.includes('слишком дорого'))).toBe(false);

    // A conditional GET goes through Express: the same page and headers (Express adds its ETag).
    const viaExpress = await counted(() => http().get(`/f/${links[0].token}`).set('If-None-Match', '"other"').expect(200));
    expect(viaExpress).toMatchObject({ lean: 0, handedOn: 0 });
    expect(viaExpress.result.text).toBe(views.result[0].text);
    for (const res of [views.result[0], viaExpress.result]) {
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("script-src 'none'");
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }

    // A bad link is handed on: the controller's 404 page.
    const unknown = await counted(() => http().get('/f/AAAAAAAAAAAAAAAAAAAAAAAA').set('Accept-Language', 'en').expect(404));
    expect(unknown).toMatchObject({ lean: 0, handedOn: 1 });
    expect(unknown.result.text).toContain('This link does not work');
  });
});
