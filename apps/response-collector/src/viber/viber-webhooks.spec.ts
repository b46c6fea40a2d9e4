import { createHmac } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createTestDatabase, factories, testRedisPrefix, waitFor, type TestDatabase } from '@comeback/testing';
import { startTestCollector, type TestCollector } from '../testing/test-collector';

const TOKEN = 'viber-bot-token-for-tests';

/**
 * Viber's callbacks through the real app: the HMAC-SHA256 signature of the raw body refused when
 * missing, wrong or computed over another body; a text reply lands on the episode; a retried
 * callback changes nothing; delivered and failed move our message (found by Viber's 64-bit token,
 * read without losing digits); unsubscribed revokes Viber consent with history.
 */
describe('Viber webhooks', () => {
  let db: TestDatabase;
  let collector: TestCollector;
  let app: NestExpressApplication;
  let orgId: string;
  let client: string;
  let episode: string;
  let message: string;
  const prefix = testRedisPrefix();
  const send = (raw: string, o: { signature?: string | null; org?: string } = {}) => {
    const r = request(app.getHttpServer()).post(`/webhooks/viber?org=${o.org ?? orgId}`).set('Content-Type', 'application/json').send(raw);
    const signature = o.signature === undefined ? createHmac('sha256', TOKEN).update(raw).digest('hex') : o.signature;
    return signature === null ? r : r.set('X-Viber-Content-Signature', signature);
  };
  const processed = (key: string) =>
    waitFor(`viber ${key} processed`, async () => (await db.pool.query(`SELECT 1 FROM inbound_requests WHERE source = 'viber' AND idempotency_key = $1 AND status = 'processed'`, [key])).rowCount! > 0);

  beforeAll(async () => {
    process.env.VIBER_WEBHOOK_TEST_TOKEN = TOKEN;
    db = await createTestDatabase();
    collector = await startTestCollector({ DATABASE_URL: db.url, REDIS_PREFIX: prefix });
    app = collector.app;
    const make = factories(db.pool);
    orgId = (await make.organization({ name: 'Viber Clinic' })).id;
    await db.pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = $1`, [orgId, { providers: { viber: { type: 'viber', authTokenEnv: 'VIBER_WEBHOOK_TEST_TOKEN', senderName: 'Clinic' } } }]);
    client = (await db.pool.query<{ id: string }>(`INSERT INTO clients (organization_id, external_id, name, viber_id, consent_viber) VALUES ($1, 'v1', 'Ani', 'viber-user-1==', 'granted') RETURNING id::text`, [orgId])).rows[0].id;
    episode = (
      await db.pool.query<{ id: string }>(`INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, method) VALUES ($1, $2, 'lapsed', now(), now() - interval '90 days', 'cadence') RETURNING id::text`, [orgId, client])
    ).rows[0].id;
    const campaign = (await db.pool.query<{ id: string }>(`INSERT INTO campaigns (organization_id, name, status, template_key, channels, fanned_out_at) VALUES ($1, 'C', 'running', 'ask', '{viber,sms}', now()) RETURNING id::text`, [orgId])).rows[0].id;
    await db.pool.query(`INSERT INTO campaign_recipients (campaign_id, client_id, organization_id, episode_id, control) VALUES ($1, $2, $3, $4, false)`, [campaign, client, orgId, episode]);
    message = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO messages (organization_id, campaign_id, client_id, channel, status, to_address, locale, content, sent_at, provider, provider_message_id)
         VALUES ($1, $2, $3, 'viber', 'sent', 'viber-user-1==', 'hy', '{"text":"?"}', now(), 'viber', '5491366476385771789') RETURNING id::text`,
        [orgId, campaign, client],
      )
    ).rows[0].id;
  });
  afterAll(async () => {
    await collector.close();
    await db.drop();
    delete process.env.VIBER_WEBHOOK_TEST_TOKEN;
  });

  it('refuses a missing or wrong signature, or one over another body, and keeps nothing', async () => {
    const raw = JSON.stringify({ event: 'message', timestamp: 1, message_token: 1, sender: { id: 'viber-user-1==' }, message: { type: 'text', text: 'թանկ է' } });
    await send(raw, { signature: null }).expect(403);
    await send(raw, { signature: createHmac('sha256', 'another-token').update(raw).digest('hex') }).expect(403);
    await send(raw.replace('թանկ է', 'STOP'), { signature: createHmac('sha256', TOKEN).update(raw).digest('hex') }).expect(403);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM inbound_requests`)).rows[0].n).toBe(0);
    // Viber checking the URL when the webhook is set answers 200 and records nothing.
    await send(JSON.stringify({ event: 'webhook', timestamp: 2 })).expect(200);
  });

  it('puts a text reply on the episode once, however often Viber retries it', async () => {
    const raw = `{"event":"message","timestamp":1700000000000,"message_token":5491366476385771999,"sender":{"id":"viber-user-1=="},"message":{"type":"text","text":"Թանկ է "}}`;
    await send(raw).expect(200);
    await send(raw).expect(200);
    await processed('message-5491366476385771999');
    const replies = (await db.pool.query(`SELECT channel, kind, text, episode_id::text FROM replies WHERE client_id = $1`, [client])).rows;
    expect(replies).toEqual([{ channel: 'viber', kind: 'free_text', text: 'Թանկ է', episode_id: episode }]);
    expect((await db.pool.query(`SELECT reason_channel, reason_note FROM churn_episodes WHERE id = $1`, [episode])).rows[0]).toEqual({ reason_channel: 'viber', reason_note: 'Թանկ է' });
  });

  it('moves our message on delivered and failed (its 64-bit token read exactly), and revokes consent on unsubscribed', async () => {
    await send(`{"event":"delivered","timestamp":1700000000001,"message_token":5491366476385771789,"user_id":"viber-user-1=="}`).expect(200);
    await processed('delivered-5491366476385771789');
    expect((await db.pool.query(`SELECT status FROM messages WHERE id = $1`, [message])).rows[0].status).toBe('delivered');
    await send(`{"event":"failed","timestamp":1700000000002,"message_token":5491366476385771789,"user_id":"viber-user-1==","desc":"failure"}`).expect(200);
    await processed('failed-5491366476385771789');
    expect((await db.pool.query(`SELECT status FROM messages WHERE id = $1`, [message])).rows[0].status).toBe('undelivered');
    await send(`{"event":"unsubscribed","timestamp":1700000000003,"user_id":"viber-user-1==","message_token":5491366476385772000}`).expect(200);
    await processed('unsubscribed-5491366476385772000');
    expect((await db.pool.query(`SELECT consent_viber FROM clients WHERE organization_id = $1 AND id = $2`, [orgId, client])).rows[0].consent_viber).toBe('revoked');
    expect((await db.pool.query(`SELECT status, source FROM consent_changes WHERE organization_id = $1 AND client_id = $2 AND channel = 'viber'`, [orgId, client])).rows).toEqual([{ status: 'revoked', source: 'viber-unsubscribed' }]);
  });
});
