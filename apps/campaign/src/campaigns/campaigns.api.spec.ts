import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { loadConfig } from '@comeback/config';
import { QueueName, sendJobId } from '@comeback/contracts';
import { createApiKey } from '@comeback/ingestion';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, waitFor, type OrganizationRow, type TestDatabase } from '@comeback/testing';
import { campaignAppOptions } from '../campaign-app';
import { CAMPAIGN_ENV } from '../config';

/**
 * The campaign app's API as it runs (HTTP, API keys, the campaigns queue's worker on the real
 * Redis, real PostgreSQL): templates validated with positions and previewed with the SMS counter,
 * a campaign from draft through estimate, schedule, fan-out, pause, resume and cancel, and the
 * dead letters.
 */
describe('campaign app API', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let redis: Redis;
  let org: OrganizationRow;
  let key: string;
  let otherKey: string;
  const clients: string[] = [];
  const prefix = testRedisPrefix();
  const api = (method: 'get' | 'post' | 'put' | 'delete', path: string, k: string | null = key) => {
    const r = request(app.getHttpServer())[method](`/api/v1/organizations/${org.id}/${path}`);
    return k ? r.set('Authorization', `Bearer ${k}`) : r;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const config = loadConfig('campaign', CAMPAIGN_ENV, {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error', PUBLIC_FEEDBACK_URL: 'https://answers.example.test',
    });
    app = await createNestApp({ ...campaignAppOptions(config), config });
    await app.init();
    const make = factories(db.pool);
    org = await make.organization({ timezone: 'Asia/Tbilisi', defaultLocale: 'ka', name: 'Clinic' });
    const other = await make.organization();
    key = (await createApiKey(db.pool, org.id, 'test')).key;
    otherKey = (await createApiKey(db.pool, other.id, 'test')).key;
    await db.pool.query(`UPDATE organizations SET messaging_settings = '{"allowedHours": {"from": "00:00", "to": "23:59"}, "prices": {"smsSegment": "0.05"}}' WHERE id = $1`, [org.id]);
    for (let i = 0; i < 4; i++) {
      const { rows } = await db.pool.query<{ id: string }>(
        `INSERT INTO clients (organization_id, external_id, name, phone, locale) VALUES ($1, $2, $3, $4, 'ka') RETURNING id::text`,
        [org.id, `c${i}`, `ნინო ${i}`, `+99555500000${i}`],
      );
      clients.push(rows[0].id);
      await db.pool.query(
        `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, left_on, method, revenue_12m, lapsed_at)
         VALUES ($1, $2, 'lapsed', now(), now() - interval '90 days', current_date - 10, 'cadence', 100, now())`,
        [org.id, rows[0].id],
      );
    }
    // A client of the other organization.
    clients.push((await db.pool.query<{ id: string }>(`INSERT INTO clients (organization_id, external_id, name) VALUES ($1, 'x', 'X') RETURNING id::text`, [other.id])).rows[0].id);
  });
  afterAll(async () => {
    await app.close();
    await redis.quit();
    await db.drop();
  });

  it('refuses a template with problems, naming part, line and column, and saves a valid one', async () => {
    const bad = await api('put', 'templates/ask/sms/ka').send({ parts: { text: 'Hello\n{{client.nmae}} {{#if}}' } }).expect(400);
    expect(bad.body.error).toBe('INVALID_TEMPLATE');
    expect(bad.body.problems[0]).toMatchObject({ part: 'text', line: 2 });
    const unknown = await api('put', 'templates/ask/sms/ka').send({ parts: { text: 'Hi {{client.nmae}}' } }).expect(400);
    // The column of the name itself, inside the braces.
    expect(unknown.body.problems).toEqual([expect.objectContaining({ part: 'text', line: 1, column: 6, message: expect.stringContaining('client.nmae') })]);
    expect((await api('put', 'templates/ask/fax/ka').send({ parts: {} }).expect(400)).body.problems[0].field).toBe('channel');
    const saved = await api('put', 'templates/ask/sms/ka').send({ parts: { text: 'გამარჯობა {{client.firstName}}, რატომ წახვედით? {{feedbackUrl}}' } }).expect(200);
    expect(saved.body).toMatchObject({ key: 'ask', channel: 'sms', locale: 'ka' });
    expect((await api('get', 'templates').expect(200)).body).toHaveLength(1);
    await api('get', 'templates', otherKey).expect(403);
  });

  it('previews a template for a client with the SMS encoding, segments and price', async () => {
    const res = await api('post', 'templates/preview').send({ template: { channel: 'sms', locale: 'ka', parts: { text: 'გამარჯობა {{client.firstName}}! {{feedbackUrl}}' } }, clientId: clients[0] }).expect(200);
    // The preview's token is as long as a real one (24 characters), so the count is the real message's.
    expect(res.body.parts.text).toBe('გამარჯობა ნინო! https://answers.example.test/f/preview00000000000000000');
    // 9 + 1 + 4 + 1 + 1 + 55 = 71 UTF-16 units of Georgian and Latin: UCS-2, past 70, so two segments of 67.
    expect(res.body.sms).toMatchObject({ encoding: 'UCS-2', segments: 2, perSegment: 67, cost: '0.10', currency: 'GEL' });
    expect(res.body.renderedFor).toEqual({ clientId: clients[0], name: 'ნინო 0', locale: 'ka' });
    await api('post', 'templates/preview').send({ template: { channel: 'sms', locale: 'ka', parts: { text: 'x' } }, clientId: clients[4] }).expect(404);
  });

  it('takes a campaign from draft to done: estimate, schedule (fan-out by the worker), pause, resume, cancel', async () => {
    expect((await api('post', 'campaigns').send({ name: 'Spring', templateKey: 'ask', channels: ['sms', 'sms'] }).expect(400)).body.problems[0].field).toBe('channels');
    const draft = (await api('post', 'campaigns').send({ name: 'Spring', templateKey: 'ask', channels: ['sms', 'email'], controlShare: 0 }).expect(201)).body;
    expect(draft).toMatchObject({ status: 'draft', channels: ['sms', 'email'], progress: {} });
    const estimate = (await api('post', `campaigns/${draft.id}/estimate`).expect(200)).body;
    // "გამარჯობა Nino, რატომ წახვედით? https://answers.example.test/f/<24 characters>": 9+1+4+2+5+1+8+2+55 = 87
    // UTF-16 units, two UCS-2 segments; 4 messages x 2 x 0.05. The messages sent will cost the same (below).
    expect(estimate).toMatchObject({ matching: 4, capped: 0, unreachable: 0, controlGroup: 0, byChannel: { sms: 4 }, smsSegments: 2, cost: '0.4000', currency: 'GEL' });
    // No e-mail template yet: 409 naming the channel.
    expect((await api('post', `campaigns/${draft.id}/schedule`).send({}).expect(409)).body.message).toContain('email');
    await api('put', 'templates/ask/email/en').send({ parts: { subject: 'Hi', html: '<p>{{feedbackUrl}}</p>', text: '{{feedbackUrl}}' } }).expect(200);
    expect((await api('post', `campaigns/${draft.id}/schedule`).send({ at: '2020-01-01T00:00:00Z' }).expect(400)).body.problems[0].field).toBe('at');
    await api('post', `campaigns/${draft.id}/schedule`).send({}).expect(200);
    await waitFor('the fan-out', async () => (await api('get', `campaigns/${draft.id}`)).body.progress.queued === 4);
    const running = (await api('get', `campaigns/${draft.id}`).expect(200)).body;
    expect(running).toMatchObject({ status: 'running', recipients: 4, heldOut: 0, cost: '0.4000' });
    await api('post', `campaigns/${draft.id}/schedule`).send({}).expect(409);

    expect((await api('post', `campaigns/${draft.id}/pause`).expect(200)).body.status).toBe('paused');
    await api('post', `campaigns/${draft.id}/pause`).expect(409);
    const sms = new Queue(QueueName.SendSms, { connection: redis, prefix });
    try {
      const ids = (await db.pool.query<{ id: string }>(`SELECT id::text FROM messages WHERE campaign_id = $1`, [draft.id])).rows.map((r) => r.id);
      for (const id of ids) await (await sms.getJob(sendJobId(id)))?.remove();
      expect((await api('post', `campaigns/${draft.id}/resume`).expect(200)).body.status).toBe('running');
      for (const id of ids) expect(await sms.getJob(sendJobId(id))).toBeDefined(); // enqueued again
    } finally {
      await sms.close();
    }
    const cancelled = (await api('post', `campaigns/${draft.id}/cancel`).expect(200)).body;
    expect(cancelled).toMatchObject({ status: 'cancelled', progress: { cancelled: 4 } });
    await api('get', `campaigns/${draft.id}`, otherKey).expect(403);
    await api('get', 'campaigns/999999').expect(404);
  });

  it('lists dead letters and retries them; a message in doubt needs staff to say what happened', async () => {
    const c = (await api('post', 'campaigns').send({ name: 'Dead', templateKey: 'ask', channels: ['sms'] }).expect(201)).body.id;
    await db.pool.query(`UPDATE campaigns SET status = 'running' WHERE id = $1`, [c]);
    const insert = async (client: string, status: string) =>
      (
        await db.pool.query<{ id: string }>(
          `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status, last_error_code)
           VALUES ($1, $2, $3, 'sms', '+995', 'ka', '{"text":"x"}', $4, 'twilio-21211') RETURNING id::text`,
          [org.id, c, client, status],
        )
      ).rows[0].id;
    const dead = await insert(clients[0], 'dead');
    const doubt = await insert(clients[1], 'in_doubt');
    const letters = (await api('get', 'dead-letters').expect(200)).body;
    expect(letters.map((l: { id: string; status: string }) => [l.id, l.status]).sort()).toEqual([[dead, 'dead'], [doubt, 'in_doubt']].sort());
    expect((await api('post', `dead-letters/${dead}/retry`).send({}).expect(200)).body).toEqual({ id: dead, status: 'queued' });
    const sms = new Queue(QueueName.SendSms, { connection: redis, prefix });
    try {
      expect((await sms.getJob(sendJobId(dead)))?.data).toEqual({ messageId: dead });
    } finally {
      await sms.close();
    }
    expect((await api('post', `dead-letters/${doubt}/retry`).send({}).expect(409)).body.problems[0].field).toBe('action');
    expect((await api('post', `dead-letters/${doubt}/retry`).send({ action: 'mark-sent' }).expect(200)).body.status).toBe('sent');
    await api('post', `dead-letters/${doubt}/retry`).send({}).expect(409); // sent now: not a dead letter
    await api('post', `dead-letters/${dead}/retry`, otherKey).send({}).expect(403);
    // A refused message that already fell back to another channel is not sent again.
    const refused = await insert(clients[2], 'failed');
    await db.pool.query(
      `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status, fallback_of)
       VALUES ($1, $2, $3, 'email', 'x@example.test', 'ka', '{"subject":"x","text":"x","html":"x"}', 'sent', $4)`,
      [org.id, c, clients[2], refused],
    );
    expect((await api('post', `dead-letters/${refused}/retry`).send({}).expect(409)).body.message).toMatch(/already fell back to email/);
    expect((await db.pool.query(`SELECT status FROM messages WHERE id = $1`, [refused])).rows[0].status).toBe('failed');
  });

  it('lists the sandbox outbox and takes a simulated reply on a sandbox message only, NFKC-normalised, once marked', async () => {
    const c = (await api('post', 'campaigns').send({ name: 'Sandbox', templateKey: 'ask', channels: ['sms'] }).expect(201)).body.id;
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status, provider)
       VALUES ($1, $2, $3, 'sms', '+99555500003', 'ka', '{"text":"why?"}', 'delivered', 'sandbox'), ($1, $2, $4, 'sms', '+99555500002', 'ka', '{"text":"why?"}', 'sent', 'twilio')
       RETURNING id::text`,
      [org.id, c, clients[3], clients[2]],
    );
    const [sandboxed, twilio] = rows.map((r) => r.id);
    await db.pool.query(`INSERT INTO sandbox_messages (organization_id, message_id, channel, to_address, content) VALUES ($1, $2, 'sms', '+99555500003', '{"text":"why?"}')`, [org.id, sandboxed]);
    await api('post', `sandbox/messages/${sandboxed}/reply`).send({ text: '   ' }).expect(400);
    const first = (await api('post', `sandbox/messages/${sandboxed}/reply`).send({ text: 'ﾂｰ ძვირია' }).expect(200)).body;
    await api('post', `sandbox/messages/${sandboxed}/reply`).send({ text: 'again' }).expect(200);
    const outbox = (await api('get', 'sandbox/messages').expect(200)).body;
    const entry = outbox.find((e: { messageId: string }) => e.messageId === sandboxed);
    expect(outbox.filter((e: { messageId: string }) => e.messageId === sandboxed)).toHaveLength(1); // replies are not outbox rows
    expect(entry.replies.map((r: { text: string }) => r.text)).toEqual(['ツー ძვირია', 'again']);
    expect(new Date(entry.repliedAt).toISOString()).toBe(new Date(first.repliedAt).toISOString()); // the first reply's time is kept
    expect((await api('get', `campaigns/${c}`).expect(200)).body.replied).toBe(1);
    await api('post', `sandbox/messages/${twilio}/reply`).send({ text: 'no' }).expect(404); // not sent by the sandbox
    await api('post', `sandbox/messages/${sandboxed}/reply`, otherKey).send({ text: 'x' }).expect(403);
  });
});
