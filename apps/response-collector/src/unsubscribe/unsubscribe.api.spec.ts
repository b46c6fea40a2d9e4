import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { loadConfig } from '@comeback/config';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { RESPONSE_COLLECTOR_ENV } from '../config';
import { linkedMessage, type LinkedMessage } from '../feedback/testing/personal-link.fixture';
import { responseCollectorAppOptions } from '../response-collector-app';

const LINK_DAYS = 30;

/**
 * Unsubscribing through a message's personal link, through the real app (HTTP, real PostgreSQL):
 * the page asks and changes nothing; its button and the RFC 8058 one-click POST revoke consent on
 * the message's channel only, with one consent history row, however often they are repeated;
 * unknown, expired and revoked links get the generic 404 / 410 page and change nothing.
 */
describe('unsubscribe (GET|POST /u/:token)', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let orgId: string;

  const http = () => request(app.getHttpServer());
  const consent = async (m: LinkedMessage) =>
    (await db.pool.query(`SELECT consent_sms, consent_email FROM clients WHERE organization_id = $1 AND id = $2`, [orgId, m.clientId])).rows[0] as { consent_sms: string; consent_email: string };
  const history = async (m: LinkedMessage) =>
    (await db.pool.query(`SELECT channel, status, source FROM consent_changes WHERE organization_id = $1 AND client_id = $2 ORDER BY changed_at`, [orgId, m.clientId])).rows;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('response-collector', RESPONSE_COLLECTOR_ENV, {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error', FEEDBACK_LINK_DAYS: String(LINK_DAYS),
    });
    app = await createNestApp({ ...responseCollectorAppOptions(config), config });
    await app.init();
    orgId = (await factories(db.pool).organization({ name: 'Batumi Smile', defaultLocale: 'en' })).id;
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('asks "stop messages on this channel?" in the client\'s language and changes nothing', async () => {
    const m = await linkedMessage(db.pool, orgId, { channel: 'email', clientLocale: 'ka' });
    const res = await http().get(`/u/${m.token}`).expect(200);
    expect(res.text).toContain('<html lang="ka" dir="ltr">');
    expect(res.text).toContain('აღარ გსურთ ჩვენგან ელფოსტის მიღება?');
    expect(res.text).toContain('Batumi Smile');
    expect(res.text).toContain('<form method="post"');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const sms = await linkedMessage(db.pool, orgId, { channel: 'sms', clientLocale: 'en' });
    expect((await http().get(`/u/${sms.token}`).expect(200)).text).toContain('Stop text messages from us?');
    expect(await consent(m)).toEqual({ consent_sms: 'granted', consent_email: 'granted' });
    expect(await history(m)).toEqual([]);
  });

  it('stops the message\'s channel only when the button is pressed, with one history row, and a second press changes nothing', async () => {
    const m = await linkedMessage(db.pool, orgId, { channel: 'email', clientLocale: 'en' });
    const res = await http().post(`/u/${m.token}`).type('form').send({}).expect(200);
    expect(res.text).toContain('You are unsubscribed');
    expect(res.text).toContain('You will not get e-mails from us any more.');
    expect(res.text).toContain(`href="../f/${m.token}"`);
    expect(await consent(m)).toEqual({ consent_sms: 'granted', consent_email: 'revoked' });
    expect(await history(m)).toEqual([{ channel: 'email', status: 'revoked', source: 'unsubscribe-link' }]);
    await http().post(`/u/${m.token}`).type('form').send({}).expect(200);
    expect(await history(m)).toHaveLength(1);
    // The page now says it is done, with no button.
    const after = await http().get(`/u/${m.token}`).expect(200);
    expect(after.text).toContain('You are unsubscribed');
    expect(after.text).not.toContain('<form');
  });

  it('answers a mail provider\'s RFC 8058 one-click POST (url-encoded or multipart, no cookie) with an empty 200, once', async () => {
    const m = await linkedMessage(db.pool, orgId, { channel: 'email' });
    const res = await http().post(`/u/${m.token}`).type('form').send('List-Unsubscribe=One-Click').expect(200);
    expect(res.text).toBe('');
    expect(await consent(m)).toMatchObject({ consent_email: 'revoked' });
    expect(await history(m)).toEqual([{ channel: 'email', status: 'revoked', source: 'unsubscribe-one-click' }]);
    // Providers retry; nothing changes.
    await http().post(`/u/${m.token}`).type('form').send('List-Unsubscribe=One-Click').expect(200);
    expect(await history(m)).toHaveLength(1);

    const multipart = await linkedMessage(db.pool, orgId, { channel: 'email' });
    const mp = await http().post(`/u/${multipart.token}`).field('List-Unsubscribe', 'One-Click').expect(200);
    expect(mp.text).toBe('');
    expect(await history(multipart)).toEqual([{ channel: 'email', status: 'revoked', source: 'unsubscribe-one-click' }]);

    // Many at once (a provider and a person): exactly one change recorded.
    const racing = await linkedMessage(db.pool, orgId, { channel: 'sms' });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? http().post(`/u/${racing.token}`).type('form').send('List-Unsubscribe=One-Click') : http().post(`/u/${racing.token}`).type('form').send({}))));
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([200]));
    expect(await consent(racing)).toEqual({ consent_sms: 'revoked', consent_email: 'granted' });
    expect(await history(racing)).toHaveLength(1);
  });

  it('refuses unknown (404), expired and revoked (410) links with the generic page, changing nothing', async () => {
    const unknown = await http().post('/u/AAAAAAAAAAAAAAAAAAAAAAAA').type('form').send('List-Unsubscribe=One-Click').expect(404);
    expect(unknown.text).toContain('This link does not work');
    expect(unknown.text).not.toContain('Batumi');
    await http().get('/u/AAAAAAAAAAAAAAAAAAAAAAAA').expect(404);
    for (const m of [await linkedMessage(db.pool, orgId, { sentDaysAgo: LINK_DAYS + 1 }), await linkedMessage(db.pool, orgId, { revoked: true })]) {
      await http().get(`/u/${m.token}`).expect(410);
      const res = await http().post(`/u/${m.token}`).type('form').send('List-Unsubscribe=One-Click').expect(410);
      expect(res.text).toBe(unknown.text);
      expect(await consent(m)).toEqual({ consent_sms: 'granted', consent_email: 'granted' });
      expect(await history(m)).toEqual([]);
    }
  });
});
