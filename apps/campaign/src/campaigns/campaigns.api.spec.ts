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
    // Nothing has left yet (all queued): nothing spent.
    expect(running).toMatchObject({ status: 'running', recipients: 4, heldOut: 0, cost: '0.0000' });
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
      // With the retry request's correlation id (for the logs), never in the job id.
      expect((await sms.getJob(sendJobId(dead)))?.data).toEqual({ messageId: dead, correlationId: expect.any(String) });
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
    // A cancelled campaign's dead letters are not sent again (they would stay queued for ever).
    const gone = await insert(clients[3], 'dead');
    await db.pool.query(`UPDATE campaigns SET status = 'cancelled' WHERE id = $1`, [c]);
    expect((await api('post', `dead-letters/${gone}/retry`).send({}).expect(409)).body.message).toMatch(/is cancelled/);
    expect((await db.pool.query(`SELECT status FROM messages WHERE id = $1`, [gone])).rows[0].status).toBe('dead');
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
    // Each reply goes on to the response collector's intake, like a real one.
    const inbound = new Queue(QueueName.Inbound, { connection: redis, prefix });
    try {
      const jobs = await inbound.getJobs(['waiting', 'delayed']);
      const texts = jobs.filter((j) => j.data.source === 'sandbox').map((j) => j.data.payload.text).sort();
      expect(texts).toEqual(['again', 'ツー ძვირია']);
      expect(jobs.find((j) => j.data.payload.text === 'again')?.data.payload).toMatchObject({ organizationId: org.id, channel: 'sms', from: '+99555500003' });
    } finally {
      await inbound.close();
    }
    await api('post', `sandbox/messages/${twilio}/reply`).send({ text: 'no' }).expect(404); // not sent by the sandbox
    await api('post', `sandbox/messages/${sandboxed}/reply`, otherKey).send({ text: 'x' }).expect(403);
  });

  describe('estimates, template limits, cost so far and dead letters (review fixes)', () => {
    let staffId: string;
    const georgian: string[] = [];
    let englishOnly: string;

    beforeAll(async () => {
      // Their own audience: clients of one staff member, none of them messaged before.
      staffId = (await db.pool.query<{ id: string }>(`INSERT INTO staff_members (organization_id, external_id, name) VALUES ($1, 'review-staff', 'Dr Review') RETURNING id::text`, [org.id])).rows[0].id;
      const people: [string, string][] = [['ნინო ბერიძე-მაისურაძე', 'ka'], ['თამარ ჯავახიშვილი', 'ka'], ['ანა კაპანაძე', 'ka'], ['Ana', 'en']];
      for (const [i, [name, locale]] of people.entries()) {
        const { rows } = await db.pool.query<{ id: string }>(
          `INSERT INTO clients (organization_id, external_id, name, phone, locale) VALUES ($1, $2, $3, $4, $5) RETURNING id::text`,
          [org.id, `review-${i}`, name, `+99555510000${i}`, locale],
        );
        if (locale === 'ka') georgian.push(rows[0].id);
        else englishOnly = rows[0].id;
        await db.pool.query(
          `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, left_on, method, revenue_12m, lapsed_at, staff_member_id)
           VALUES ($1, $2, 'lapsed', now(), now() - interval '90 days', current_date - 10, 'cadence', 100, now(), $3)`,
          [org.id, rows[0].id, staffId],
        );
      }
    });

    it('estimates SMS segments on the real audience: an English template for clients named in Georgian costs what the fan-out writes', async () => {
      // 143 characters for a Latin sample name (one GSM-7 segment); a Georgian name makes it UCS-2: three segments of 67.
      const text = 'Hello {{client.name}}! We miss you at {{organization.name}}. Why did you stop coming? Tell us in one tap: {{feedbackUrl}}';
      await api('put', 'templates/review-en/sms/en').send({ parts: { text } }).expect(200);
      const sample = (await api('post', 'templates/preview').send({ template: { channel: 'sms', locale: 'en', parts: { text } } }).expect(200)).body;
      expect(sample.sms).toMatchObject({ encoding: 'GSM-7', segments: 1 }); // what the estimate used to assume
      const draft = (await api('post', 'campaigns').send({ name: 'Review', templateKey: 'review-en', channels: ['sms'], controlShare: 0, audience: { staff: staffId } }).expect(201)).body;
      const estimate = (await api('post', `campaigns/${draft.id}/estimate`).expect(200)).body;
      expect(estimate).toMatchObject({ matching: 4, byChannel: { sms: 4 }, smsSegments: 3, cost: '0.6000' });

      await api('post', `campaigns/${draft.id}/schedule`).send({}).expect(200);
      await waitFor('the fan-out', async () => (await api('get', `campaigns/${draft.id}`)).body.progress.queued === 4);
      const written = await db.pool.query<{ client_id: string; segments: number; locale: string }>(
        `SELECT client_id::text, segments, locale FROM messages WHERE campaign_id = $1 ORDER BY client_id`,
        [draft.id],
      );
      // Georgian clients get the English template (no Georgian one): the organization's default has none either.
      expect(written.rows.every((m) => m.locale === 'en')).toBe(true);
      expect(Math.max(...written.rows.map((m) => m.segments))).toBe(estimate.smsSegments);
      expect(written.rows.filter((m) => georgian.includes(m.client_id)).map((m) => m.segments)).toEqual([3, 3, 3]);
      expect(written.rows.find((m) => m.client_id === englishOnly)?.segments).toBe(1);
    });

    it('refuses to delete the last template of a key and channel a scheduled, running or paused campaign sends', async () => {
      // The Review campaign is running on review-en / sms, whose only locale is en.
      const refused = await api('delete', 'templates/review-en/sms/en').expect(409);
      expect(refused.body).toMatchObject({ error: 'INVALID_STATE', message: expect.stringContaining('Review') });
      expect((await db.pool.query(`SELECT count(*)::int AS n FROM message_templates WHERE organization_id = $1 AND key = 'review-en'`, [org.id])).rows[0].n).toBe(1);
      // Another locale of the key and channel: either may go, but not both.
      await api('put', 'templates/review-en/sms/ka').send({ parts: { text: 'გამარჯობა {{feedbackUrl}}' } }).expect(200);
      await api('delete', 'templates/review-en/sms/EN').expect(204); // the locale as typed, normalised
      await api('delete', 'templates/review-en/sms/ka').expect(409);
      const review = (await db.pool.query<{ id: string }>(`SELECT id::text FROM campaigns WHERE organization_id = $1 AND name = 'Review'`, [org.id])).rows[0].id;
      for (const status of ['scheduled', 'paused']) {
        await db.pool.query(`UPDATE campaigns SET status = $2 WHERE id = $1`, [review, status]);
        await api('delete', 'templates/review-en/sms/ka').expect(409);
      }
      await db.pool.query(`UPDATE campaigns SET status = 'running' WHERE id = $1`, [review]);
      // A draft does not hold a template; a cancelled campaign no longer does.
      await api('post', 'campaigns').send({ name: 'Draft only', templateKey: 'review-draft', channels: ['sms'] }).expect(201);
      await api('put', 'templates/review-draft/sms/en').send({ parts: { text: 'Hi {{feedbackUrl}}' } }).expect(200);
      await api('delete', 'templates/review-draft/sms/en').expect(204);
      await api('post', `campaigns/${review}/cancel`).expect(200);
      await api('delete', 'templates/review-en/sms/ka').expect(204);
      await api('delete', 'templates/review-en/sms/ka').expect(404);
    });

    it('counts in the cost so far only the messages that left', async () => {
      const c = (await api('post', 'campaigns').send({ name: 'Cost', templateKey: 'ask', channels: ['sms'] }).expect(201)).body.id;
      const statuses = ['queued', 'cancelled', 'failed', 'dead', 'sending', 'sent', 'delivered', 'undelivered', 'in_doubt'];
      const people = [...georgian, englishOnly, ...clients.slice(0, 4)];
      for (const [i, status] of statuses.entries()) {
        // Each message a different power of ten, so the sum says exactly which were counted.
        await db.pool.query(
          `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status, cost)
           VALUES ($1, $2, $3, $4, '+995', 'ka', '{"text":"x"}', $5, $6)`,
          [org.id, c, people[i % people.length], i < people.length ? 'sms' : 'email', status, (10 ** (i - 4)).toFixed(4)],
        );
      }
      // sending 1 + sent 10 + delivered 100 + undelivered 1000 + in doubt 10000; not queued, cancelled, failed or dead.
      expect((await api('get', `campaigns/${c}`).expect(200)).body).toMatchObject({ cost: '11111.0000', progress: { queued: 1, cancelled: 1, failed: 1, dead: 1 } });
      expect((await api('get', 'campaigns').expect(200)).body.find((v: { id: string }) => v.id === c).cost).toBe('11111.0000');
    });

    it('leaves out of the dead letters a refused message that already fell back', async () => {
      const c = (await api('post', 'campaigns').send({ name: 'Fell back', templateKey: 'ask', channels: ['sms', 'email'] }).expect(201)).body.id;
      const insert = async (client: string, channel: string, status: string, fallbackOf: string | null = null) =>
        (
          await db.pool.query<{ id: string }>(
            `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status, fallback_of)
             VALUES ($1, $2, $3, $4, 'x', 'ka', '{"text":"x"}', $5, $6) RETURNING id::text`,
            [org.id, c, client, channel, status, fallbackOf],
          )
        ).rows[0].id;
      const replaced = await insert(georgian[0], 'sms', 'failed');
      await insert(georgian[0], 'email', 'sent', replaced);
      const replacedDead = await insert(georgian[1], 'sms', 'dead');
      const failedFallback = await insert(georgian[1], 'email', 'failed', replacedDead); // itself refused, with nothing after it
      const alone = await insert(georgian[2], 'sms', 'undelivered');
      const notReplaced = await insert(englishOnly, 'sms', 'dead');
      const ids = (await api('get', 'dead-letters').expect(200)).body.map((l: { id: string }) => l.id);
      expect(ids).toEqual(expect.arrayContaining([failedFallback, notReplaced]));
      expect(ids).not.toContain(replaced);
      expect(ids).not.toContain(replacedDead);
      expect(ids).not.toContain(alone); // undelivered is not a dead letter
    });

    it('refuses template parts longer than any provider takes, naming the part and where the excess starts', async () => {
      const long = (n: number) => 'a'.repeat(n);
      await api('put', 'templates/limits/sms/en').send({ parts: { text: long(1600) } }).expect(200);
      const sms = await api('put', 'templates/limits/sms/en').send({ parts: { text: `${long(99)}\n${long(1510)}` } }).expect(400);
      expect(sms.body.problems).toEqual([{ part: 'text', line: 2, column: 1501, message: 'is 1,610 characters long; at most 1,600' }]);
      const email = await api('put', 'templates/limits/email/en').send({ parts: { subject: long(301), html: `<p>${long(200_000)}</p>`, text: long(50_001) } }).expect(400);
      expect(email.body.problems.map((p: { part: string }) => p.part)).toEqual(['subject', 'html', 'text']);
      const viber = await api('put', 'templates/limits/viber/en').send({ parts: { text: long(7001), buttonText: long(31), buttonUrl: '{{feedbackUrl}}' } }).expect(400);
      expect(viber.body.problems).toEqual([
        expect.objectContaining({ part: 'text', message: 'is 7,001 characters long; at most 7,000' }),
        expect.objectContaining({ part: 'buttonText', line: 1, column: 31, message: 'is 31 characters long; at most 30' }),
      ]);
      const voice = await api('put', 'templates/limits/voice/en').send({ parts: { script: long(3001), language: 'en-GB', menu: { '1': 'Too expensive' } } }).expect(400);
      expect(voice.body.problems).toEqual([expect.objectContaining({ part: 'script', message: 'is 3,001 characters long; at most 3,000' })]);
      // The preview refuses the same (the editor shows it as you type).
      await api('post', 'templates/preview').send({ template: { channel: 'sms', locale: 'en', parts: { text: long(1601) } } }).expect(400);
      expect((await api('get', 'templates').expect(200)).body.filter((t: { key: string }) => t.key === 'limits')).toHaveLength(1);
    });

    it('refuses audience dates outside 1900-2100 with a 400 (year 0000 was a 500 and a campaign stuck scheduled)', async () => {
      const res = await api('post', 'campaigns').send({ name: 'Year zero', templateKey: 'ask', channels: ['sms'], audience: { lastVisitFrom: '0000-01-01' } }).expect(400);
      expect(res.body.problems).toEqual([{ field: 'audience.lastVisitFrom', message: 'must be a date between 1900 and 2100' }]);
      await api('post', 'campaigns').send({ name: 'Year 2101', templateKey: 'ask', channels: ['sms'], audience: { detectedTo: '2101-01-01' } }).expect(400);
      await api('post', 'campaigns').send({ name: 'Year 2100', templateKey: 'ask', channels: ['sms'], audience: { detectedTo: '2100-12-31' } }).expect(201);
    });
  });
});
