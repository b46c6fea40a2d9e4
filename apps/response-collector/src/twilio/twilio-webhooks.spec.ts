import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import twilio from 'twilio';
import { EventConsumer, EventName, eventQueueName, QueueName } from '@comeback/contracts';
import { listReasons } from '@comeback/reasons';
import { createTestDatabase, factories, publishedEvents, TEST_REDIS_URL, testRedisPrefix, waitFor, type TestDatabase } from '@comeback/testing';
import { startTestCollector, type TestCollector } from '../testing/test-collector';

const PUBLIC = 'https://answers.example.test';
const TOKEN = 'twilio-test-auth-token-0123456789';
const sid = (n: number) => `SM${n.toString(16).padStart(32, '0')}`;

/**
 * Twilio's webhooks through the real app (HTTP, signatures checked as the twilio SDK signs, the durable
 * intake on the real Redis, the inbound worker writing to the real PostgreSQL): forged, missing and replayed
 * signatures refused before anything is kept; STOP / START / HELP in several languages; a digit
 * picks the reason the message offered; free text and unknown senders kept; retries change nothing;
 * delivery reports move the message.
 */
describe('Twilio webhooks', () => {
  let db: TestDatabase;
  let collector: TestCollector;
  let app: NestExpressApplication;
  let redis: Redis;
  let orgId: string;
  let otherOrg: string;
  let client: string;
  let message: string;
  let episode: string;
  let reasons: string[];
  const prefix = testRedisPrefix();

  /** A form post as Twilio makes it: signed over the public URL and the fields with the organization's token. */
  const post = (path: string, fields: Record<string, string>, o: { token?: string; signature?: string | null; tamper?: Record<string, string> } = {}) => {
    const signature = o.signature === undefined ? twilio.getExpectedTwilioSignature(o.token ?? TOKEN, `${PUBLIC}${path}`, fields) : o.signature;
    const r = request(app.getHttpServer()).post(path).type('form').send({ ...fields, ...o.tamper });
    return signature === null ? r : r.set('X-Twilio-Signature', signature);
  };
  const sms = (n: number, from: string, body: string, org = orgId) =>
    post(`/webhooks/twilio/sms?org=${org}`, { MessageSid: sid(n), AccountSid: `AC${'1'.repeat(32)}`, From: from, To: '+995322000000', Body: body });
  const processed = (n: number) =>
    waitFor(`request ${sid(n)} processed`, async () => (await db.pool.query(`SELECT 1 FROM inbound_requests WHERE idempotency_key LIKE $1 AND status = 'processed'`, [`${sid(n)}%`])).rowCount! > 0);

  beforeAll(async () => {
    process.env.TWILIO_WEBHOOK_TEST_TOKEN = TOKEN;
    db = await createTestDatabase();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    collector = await startTestCollector({ DATABASE_URL: db.url, REDIS_PREFIX: prefix, PUBLIC_BASE_URL: PUBLIC });
    app = collector.app;
    const make = factories(db.pool);
    const settings = { contact: '+995 32 200 00 00', providers: { sms: { type: 'twilio', accountSid: `AC${'1'.repeat(32)}`, authTokenEnv: 'TWILIO_WEBHOOK_TEST_TOKEN', from: '+995322000000' } } };
    orgId = (await make.organization({ name: 'Tbilisi Smile' })).id;
    otherOrg = (await make.organization({ name: 'Other' })).id;
    await db.pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = ANY($1::uuid[])`, [[orgId, otherOrg], settings]);
    client = await make.client(orgId, { name: 'ნინო', phone: '+995599000101' });
    reasons = [];
    for (const label of ['Too expensive', 'Moved away', 'Bad service']) {
      reasons.push((await db.pool.query<{ id: string }>(`INSERT INTO churn_reasons (organization_id, label) VALUES ($1, $2) RETURNING id::text`, [orgId, label])).rows[0].id);
    }
    episode = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, method, lapsed_at) VALUES ($1, $2, 'lapsed', now(), now() - interval '100 days', 'cadence', now()) RETURNING id::text`,
        [orgId, client],
      )
    ).rows[0].id;
    const campaign = (
      await db.pool.query<{ id: string }>(`INSERT INTO campaigns (organization_id, name, status, template_key, channels, fanned_out_at) VALUES ($1, 'C', 'done', 'ask', '{sms}', now()) RETURNING id::text`, [orgId])
    ).rows[0].id;
    await db.pool.query(`INSERT INTO campaign_recipients (campaign_id, client_id, organization_id, episode_id, control) VALUES ($1, $2, $3, $4, false)`, [campaign, client, orgId, episode]);
    message = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO messages (organization_id, campaign_id, client_id, channel, status, to_address, locale, content, sent_at)
         VALUES ($1, $2, $3, 'sms', 'sent', '+995599000101', 'ka', $4, now() - interval '1 hour') RETURNING id::text`,
        [orgId, campaign, client, { text: 'Why? 1 Too expensive 2 Moved away 3 Bad service', choices: [reasons[0], reasons[1], reasons[2]] }],
      )
    ).rows[0].id;
  });
  afterAll(async () => {
    await collector.close();
    await redis.quit();
    await db.drop();
    delete process.env.TWILIO_WEBHOOK_TEST_TOKEN;
  });

  it('refuses a missing, forged or replayed-with-a-changed-body signature before keeping anything', async () => {
    await sms(1, '+995599000101', '2').set('X-Twilio-Signature', '').expect(403);
    await post(`/webhooks/twilio/sms?org=${orgId}`, { MessageSid: sid(1), From: '+995599000101', Body: '2' }, { signature: null }).expect(403);
    await post(`/webhooks/twilio/sms?org=${orgId}`, { MessageSid: sid(1), From: '+995599000101', Body: '2' }, { token: 'someone-elses-token' }).expect(403);
    // A captured request replayed with another body: the signature no longer matches.
    await post(`/webhooks/twilio/sms?org=${orgId}`, { MessageSid: sid(1), From: '+995599000101', Body: '2' }, { tamper: { Body: 'STOP' } }).expect(403);
    // Signed for one organization, sent as another's.
    const fields = { MessageSid: sid(1), From: '+995599000101', Body: '2' };
    await request(app.getHttpServer()).post(`/webhooks/twilio/sms?org=${otherOrg}`).type('form').send(fields)
      .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/webhooks/twilio/sms?org=${orgId}`, fields)).expect(403);
    const q = new Queue(QueueName.Inbound, { connection: redis, prefix });
    try {
      expect(await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed')).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    } finally {
      await q.close();
    }
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM inbound_requests`)).rows[0].n).toBe(0);
  });

  it('takes a digit as the reason the message offered under it, writes it to the episode with an event, and a retry changes nothing', async () => {
    const res = await sms(2, '+995599000101', ' 2 ').expect(200);
    expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    await processed(2);
    await sms(2, '+995599000101', ' 2 ').expect(200); // Twilio retrying the same message
    await new Promise((r) => setTimeout(r, 300));
    const replies = (await db.pool.query(`SELECT kind, reason_id::text, matched_by, message_id::text, episode_id::text FROM replies WHERE client_id = $1`, [client])).rows;
    expect(replies).toEqual([{ kind: 'reason', reason_id: reasons[1], matched_by: 'digit', message_id: message, episode_id: episode }]);
    const e = (await db.pool.query(`SELECT reason_id::text, reason_channel, reason_note FROM churn_episodes WHERE id = $1`, [episode])).rows[0];
    expect(e).toEqual({ reason_id: reasons[1], reason_channel: 'sms', reason_note: '2' });
    expect((await db.pool.query(`SELECT replied_at IS NOT NULL AS replied FROM messages WHERE id = $1`, [message])).rows[0].replied).toBe(true);
    // One reason.recorded, published by the worker's outbox relay to the client timeline's queue.
    const timeline = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection: redis, prefix });
    try {
      const events = await publishedEvents(db.pool, timeline, EventName.ReasonRecorded);
      expect(events.map((e) => e.payload)).toEqual([{ organizationId: orgId, clientId: client, episodeId: episode, replyId: expect.any(String) }]);
    } finally {
      await timeline.close();
    }
    // The reply counts for its reason, as the reason list shows it (no write to the reason's row).
    const usage = Object.fromEntries((await listReasons(db.pool, orgId)).map((r) => [r.id, r.usageCount]));
    expect(usage).toEqual({ [reasons[0]]: 0, [reasons[1]]: 1, [reasons[2]]: 0 });
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM inbound_requests`)).rows[0].n).toBe(1);
  });

  it.each([
    ['СТОП', 'opt_out', 'revoked', 'мы больше не будем присылать вам SMS'],
    ['start', 'opt_in', 'granted', 'texts are back on'],
    ['სტოპ', 'opt_out', 'revoked', 'ჩვენგან SMS-ებს აღარ მიიღებთ'],
    ['Evet', 'opt_in', 'granted', 'SMS&apos;ler yeniden açıldı'],
    ['توقف', 'opt_out', 'revoked', 'لن تصلك منا رسائل بعد الآن'],
  ])('opts the client out or back in for "%s", answering once in that language, with the consent history', async (text, kind, consent, confirmation) => {
    const n = 100 + text.length * 7 + text.charCodeAt(0);
    const res = await sms(n, '+995599000101', text).expect(200);
    expect(res.text).toContain(`<Message>Tbilisi Smile: ${confirmation}`);
    expect(res.text.match(/<Message>/g)).toHaveLength(1);
    await processed(n);
    expect((await db.pool.query(`SELECT consent_sms FROM clients WHERE organization_id = $1 AND id = $2`, [orgId, client])).rows[0].consent_sms).toBe(consent);
    const history = (await db.pool.query(`SELECT status, source FROM consent_changes WHERE organization_id = $1 AND client_id = $2 ORDER BY changed_at DESC LIMIT 1`, [orgId, client])).rows[0];
    expect(history).toEqual({ status: consent, source: 'sms-keyword' });
    expect((await db.pool.query(`SELECT kind FROM replies WHERE inbound_request_id = (SELECT id FROM inbound_requests WHERE idempotency_key = $1)`, [sid(n)])).rows[0].kind).toBe(kind);
  });

  it('answers HELP with the organization\'s contact, in the language the client asked in', async () => {
    for (const [n, word, answer] of [
      [301, 'HELP', 'Tbilisi Smile: +995 32 200 00 00. Reply STOP to opt out.'],
      [302, 'помощь', 'Tbilisi Smile: +995 32 200 00 00. Чтобы отписаться, ответьте СТОП.'],
      [303, 'დახმარება', 'Tbilisi Smile: +995 32 200 00 00. გამოსაწერად უპასუხეთ სტოპ.'],
    ] as const) {
      expect((await sms(n, '+995599000101', word).expect(200)).text).toContain(`<Message>${answer}</Message>`);
    }
  });

  it('keeps free text on the card for the reason list, and a text from an unknown number for staff', async () => {
    await sms(401, '+995599000101', 'ძალიან ძვირია ').expect(200);
    await sms(402, '+995555999999', 'who is this?').expect(200);
    await processed(401);
    await processed(402);
    const free = (await db.pool.query(`SELECT kind, text, needs_review, episode_id::text, candidate_id IS NOT NULL AS candidate FROM replies WHERE inbound_request_id = (SELECT id FROM inbound_requests WHERE idempotency_key = $1)`, [sid(401)])).rows[0];
    // The list has no Georgian words for it yet: a candidate for staff to map (then learned).
    expect(free).toEqual({ kind: 'free_text', text: 'ძალიან ძვირია', needs_review: true, episode_id: episode, candidate: true });
    expect((await db.pool.query(`SELECT sample_text, status FROM reason_candidates WHERE organization_id = $1`, [orgId])).rows).toEqual([{ sample_text: 'ძალიან ძვირია', status: 'open' }]);
    expect((await db.pool.query(`SELECT reason_note FROM churn_episodes WHERE id = $1`, [episode])).rows[0].reason_note).toBe('ძალიან ძვირია');
    // An English text close to a reason is matched by the list.
    await sms(403, '+995599000101', 'you are way too expensive!!').expect(200);
    await processed(403);
    const matched = (await db.pool.query(`SELECT kind, reason_id::text, matched_by FROM replies WHERE inbound_request_id = (SELECT id FROM inbound_requests WHERE idempotency_key = $1)`, [sid(403)])).rows[0];
    expect(matched).toEqual({ kind: 'reason', reason_id: reasons[0], matched_by: 'fuzzy' });
    const unknown = (await db.pool.query(`SELECT kind, client_id, from_address, organization_id::text, needs_review FROM replies WHERE inbound_request_id = (SELECT id FROM inbound_requests WHERE idempotency_key = $1)`, [sid(402)])).rows[0];
    expect(unknown).toEqual({ kind: 'unknown_sender', client_id: null, from_address: '+995555999999', organization_id: orgId, needs_review: true });
  });

  it('moves a message on delivery reports, and an undelivered one reopens its finished campaign for the fallback sweep', async () => {
    const status = (n: number, state: string) =>
      post(`/webhooks/twilio/status?org=${orgId}&message=${message}`, { MessageSid: sid(900), MessageStatus: state, AccountSid: `AC${'1'.repeat(32)}` }).expect(204).then(() => n);
    await status(1, 'delivered');
    await waitFor('delivered', async () => (await db.pool.query(`SELECT status FROM messages WHERE id = $1`, [message])).rows[0].status === 'delivered');
    await status(2, 'undelivered');
    await waitFor('undelivered', async () => (await db.pool.query(`SELECT status FROM messages WHERE id = $1`, [message])).rows[0].status === 'undelivered');
    expect((await db.pool.query(`SELECT c.status FROM campaigns c JOIN messages m ON m.campaign_id = c.id WHERE m.id = $1`, [message])).rows[0].status).toBe('running');
    // A callback that names a message of another organization is refused (signed for this one, so the id is ours to check).
    await post(`/webhooks/twilio/status?org=${orgId}&message=abc`, { MessageSid: sid(901), MessageStatus: 'delivered' }).expect(403);
  });

  it('records the key pressed in an automated call as the reason its menu names, and answers with thanks', async () => {
    const campaign = (await db.pool.query<{ id: string }>(`SELECT campaign_id::text AS id FROM messages WHERE id = $1`, [message])).rows[0].id;
    const call = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO messages (organization_id, campaign_id, client_id, channel, status, to_address, locale, content, sent_at)
         VALUES ($1, $2, $3, 'voice', 'sent', '+995599000101', 'en', $4, now()) RETURNING id::text`,
        [orgId, campaign, client, { script: 'Why did you leave?', language: 'en-US', menu: { '1': 'too expensive', '2': 'Moved away' } }],
      )
    ).rows[0].id;
    const fields = { CallSid: `CA${'7'.repeat(32)}`, Digits: '1', AccountSid: `AC${'1'.repeat(32)}` };
    const res = await post(`/webhooks/twilio/voice?org=${orgId}&message=${call}`, fields).expect(200);
    expect(res.text).toContain('<Say>Thank you.</Say><Hangup/>');
    await waitFor('keypad processed', async () => (await db.pool.query(`SELECT 1 FROM replies WHERE message_id = $1`, [call])).rowCount! > 0);
    const reply = (await db.pool.query(`SELECT channel, kind, reason_id::text, matched_by, text FROM replies WHERE message_id = $1`, [call])).rows[0];
    expect(reply).toEqual({ channel: 'voice', kind: 'keypad', reason_id: reasons[0], matched_by: 'keypad', text: 'too expensive' });
    expect((await db.pool.query(`SELECT reason_id::text, reason_channel FROM churn_episodes WHERE id = $1`, [episode])).rows[0]).toEqual({ reason_id: reasons[0], reason_channel: 'voice' });
    await post(`/webhooks/twilio/voice?org=${orgId}&message=${call}`, fields, { tamper: { Digits: '2' } }).expect(403);
  });
});
