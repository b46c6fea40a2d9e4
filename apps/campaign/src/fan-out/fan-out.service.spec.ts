import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { CampaignManagementModule, CampaignsService } from '@comeback/campaigns';
import { loadConfig } from '@comeback/config';
import { QueueName, sendJobId } from '@comeback/contracts';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, waitFor, type OrganizationRow, type TestDatabase } from '@comeback/testing';
import { CAMPAIGN_ENV } from '../config';
import { FanOutModule } from './fan-out.module';
import { FanOutService } from './fan-out.service';

/**
 * The fan-out as the campaign app runs it (Nest app, real PostgreSQL, BullMQ queues on the real
 * Redis under this file's own prefix): who is in the audience and who is not, the control group,
 * channel choice, locale fallback, quiet hours, and a restart that neither duplicates nor loses.
 */
describe('campaign fan-out', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let redis: Redis;
  let org: OrganizationRow;
  const prefix = testRedisPrefix();
  const queue = (name: QueueName) => new Queue(name, { connection: redis, prefix });
  const clients: Record<string, string> = {};

  const client = async (key: string, o: { phone?: string; email?: string; locale?: string; timezone?: string; consentSms?: string; consentEmail?: string }) => {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO clients (organization_id, external_id, name, phone, email, locale, timezone, consent_sms, consent_email)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [org.id, key, `${key} Client`, o.phone ?? null, o.email ?? null, o.locale ?? null, o.timezone ?? null, o.consentSms ?? 'unknown', o.consentEmail ?? 'unknown'],
    );
    clients[key] = rows[0].id;
    return rows[0].id;
  };
  const episode = (clientId: string, status: string, tier = 1) =>
    db.pool.query(
      `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, left_on, method, revenue_12m, value_tier, lapsed_at)
       VALUES ($1, $2, $3, now() - interval '5 days', now() - interval '200 days', (now() - interval '10 days')::date, 'cadence', 100, $4,
               CASE WHEN $3 IN ('lapsed', 'returned') THEN now() - interval '5 days' END)`,
      [org.id, clientId, status, tier],
    );
  const template = (channel: string, locale: string, parts: object) =>
    db.pool.query(`INSERT INTO message_templates (organization_id, key, channel, locale, parts) VALUES ($1, 'ask', $2, $3, $4)`, [org.id, channel, locale, parts]);
  const campaign = async (o: { channels: string[]; controlShare?: number; audience?: object }) =>
    (
      await db.pool.query<{ id: string }>(
        `INSERT INTO campaigns (organization_id, name, status, template_key, channels, control_share, audience, scheduled_at)
         VALUES ($1, 'Spring', 'scheduled', 'ask', $2, $3, $4, now()) RETURNING id::text`,
        [org.id, o.channels, o.controlShare ?? 0, o.audience ?? {}],
      )
    ).rows[0].id;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const config = loadConfig('campaign', CAMPAIGN_ENV, {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error', PUBLIC_FEEDBACK_URL: 'https://answers.example.test',
    });
    app = await createNestApp({ app: 'campaign', config, imports: [CampaignManagementModule.forRoot({ publicFeedbackUrl: config.PUBLIC_FEEDBACK_URL }), FanOutModule] });
    await app.init();
    org = await factories(db.pool).organization({ timezone: 'Asia/Tbilisi', defaultLocale: 'ka', name: 'Tbilisi Clinic' });
    await template('sms', 'ka', { text: 'გამარჯობა {{client.firstName}}! {{feedbackUrl}} {{optOutText}}' });
    await template('sms', 'en', { text: 'Hi {{client.firstName}}, why did you leave {{organization.name}}? {{feedbackUrl}}' });
    await template('email', 'en', { subject: 'We miss you, {{client.firstName}}', html: '<p>Tell us: <a href="{{feedbackUrl}}">here</a></p>', text: 'Tell us: {{feedbackUrl}}' });

    await episode(await client('georgian', { phone: '+995555000001' }), 'lapsed');
    await episode(await client('english', { phone: '+995555000002', locale: 'en-GB' }), 'at_risk');
    await episode(await client('russian', { phone: '+995555000003', locale: 'ru' }), 'lapsed'); // no ru template: organization's ka
    await episode(await client('emailOnly', { email: 'e@example.test', locale: 'en' }), 'lapsed');
    await episode(await client('optedOutSms', { phone: '+995555000004', email: 'o@example.test', consentSms: 'revoked', locale: 'en' }), 'lapsed');
    await episode(await client('optedOutAll', { phone: '+995555000005', consentSms: 'revoked' }), 'lapsed');
    await episode(await client('returned', { phone: '+995555000006' }), 'returned');
    await episode(await client('tier2', { phone: '+995555000007' }, ), 'lapsed', 2);
    await client('neverLeft', { phone: '+995555000008' });
    await episode(await client('newYork', { phone: '+12125550100', locale: 'en', timezone: 'America/New_York' }), 'lapsed');
  });
  afterAll(async () => {
    await app.close();
    await redis.quit();
    await db.drop();
  });

  it('sends to the open episodes reachable on a channel, in their language, and excludes the opted out and the returned', async () => {
    const id = await campaign({ channels: ['sms', 'email'] });
    const result = await app.get(FanOutService).start(id);
    expect(result).toMatchObject({ started: true, heldOut: 0, unreachable: 0 });
    const { rows } = await db.pool.query<{ client_id: string; channel: string; locale: string; content: { text: string }; to_address: string; segments: number | null; feedback_token_hash: Buffer; not_before: Date | null }>(
      `SELECT client_id::text, channel, locale, content, to_address, segments, feedback_token_hash, not_before FROM messages WHERE campaign_id = $1`,
      [id],
    );
    const by = Object.fromEntries(rows.map((r) => [Object.keys(clients).find((k) => clients[k] === r.client_id)!, r]));
    expect(Object.keys(by).sort()).toEqual(['emailOnly', 'english', 'georgian', 'newYork', 'optedOutSms', 'russian', 'tier2']);
    expect(result.recipients).toBe(7);
    expect(by.georgian).toMatchObject({ channel: 'sms', locale: 'ka', to_address: '+995555000001' });
    expect(by.georgian.content.text).toMatch(/^გამარჯობა georgian! https:\/\/answers\.example\.test\/f\/[A-Za-z0-9_-]{24} გამოსაწერად უპასუხეთ STOP\.$/u);
    expect(by.georgian.segments).toBe(2); // Georgian is UCS-2: over 70 units
    expect(by.english).toMatchObject({ channel: 'sms', locale: 'en' });
    expect(by.english.content.text).toContain('why did you leave Tbilisi Clinic?');
    expect(by.english.segments).toBe(1);
    expect(by.russian.locale).toBe('ka'); // no Russian template: the organization's language
    expect(by.russian.content.text).toMatch(/ გამოსაწერად უპასუხეთ STOP\.$/u); // and the opt-out sentence in the template's language
    expect(by.emailOnly.channel).toBe('email');
    expect(by.optedOutSms).toMatchObject({ channel: 'email', to_address: 'o@example.test' }); // SMS refused: the next channel
    // The token in the link is stored only as its hash.
    const token = by.georgian.content.text.match(/\/f\/([A-Za-z0-9_-]+)/u)![1];
    expect(by.georgian.feedback_token_hash.equals(createHash('sha256').update(token).digest())).toBe(true);

    // One send job per message, on its channel's queue, id message-<id>.
    const sms = queue(QueueName.SendSms);
    const email = queue(QueueName.SendEmail);
    try {
      const ids = await db.pool.query<{ id: string; channel: string }>(`SELECT id::text, channel FROM messages WHERE campaign_id = $1`, [id]);
      for (const m of ids.rows) {
        const job = await (m.channel === 'sms' ? sms : email).getJob(sendJobId(m.id));
        expect(job?.data).toEqual({ messageId: m.id });
      }
      expect((await sms.getJobCounts('waiting', 'delayed')).waiting + (await sms.getJobCounts('delayed')).delayed).toBe(5);
    } finally {
      await sms.close();
      await email.close();
    }
  });

  it('holds texts to the client\'s allowed hours, never e-mail', async () => {
    const { rows } = await db.pool.query<{ channel: string; not_before: Date | null; timezone: string | null }>(
      `SELECT m.channel, m.not_before, c.timezone FROM messages m JOIN clients c ON c.id = m.client_id AND c.organization_id = m.organization_id`,
    );
    for (const r of rows) {
      if (r.channel === 'email') expect(r.not_before).toBeNull();
      const local = Number(new Intl.DateTimeFormat('en-GB', { timeZone: r.timezone ?? 'Asia/Tbilisi', hour: '2-digit', hourCycle: 'h23' }).format(r.not_before ?? new Date()));
      if (r.channel === 'sms') expect(local >= 8 && local < 21).toBe(true);
    }
  });

  it('leaves out clients contacted within the frequency cap, and filters by the audience', async () => {
    const id = await campaign({ channels: ['sms'], audience: { tier: 1 } });
    const result = await app.get(FanOutService).start(id);
    // Every client reachable by SMS got a message from the first campaign a moment ago.
    expect(result).toMatchObject({ started: true, recipients: 0, messages: 0 });
    await db.pool.query(`UPDATE organizations SET messaging_settings = '{"frequencyCapDays": 0}' WHERE id = $1`, [org.id]);
    const again = await campaign({ channels: ['sms'], audience: { tier: 1 } });
    const uncapped = await app.get(FanOutService).start(again);
    // tier 1, reachable by SMS: georgian, english, russian, newYork (tier2 is tier 2; optedOutSms refused SMS).
    expect(uncapped.recipients).toBe(4);
  });

  it('holds out a deterministic control group of about the chosen share', async () => {
    const values = Array.from({ length: 400 }, (_, i) => `(${i + 1})`).join(',');
    const split = async (campaignId: number) =>
      (
        await db.pool.query<{ control: boolean }>(
          `SELECT ((hashtextextended($1::text || ':' || v.c::text, 0)::numeric + 9223372036854775808) / 18446744073709551616 < 0.25) AS control
             FROM (VALUES ${values}) AS v(c) ORDER BY v.c`,
          [campaignId],
        )
      ).rows.map((r) => r.control);
    const a = await split(7);
    expect(await split(7)).toEqual(a); // same campaign, same split
    const held = a.filter(Boolean).length;
    expect(held).toBeGreaterThan(70); // 25% of 400 = 100, well within chance
    expect(held).toBeLessThan(130);
    expect(await split(8)).not.toEqual(a); // another campaign splits independently

    await db.pool.query(`UPDATE organizations SET messaging_settings = '{"frequencyCapDays": 0}' WHERE id = $1`, [org.id]);
    const id = await campaign({ channels: ['sms', 'email'], controlShare: 0.5 });
    const result = await app.get(FanOutService).start(id);
    const counts = await db.pool.query<{ control: number; contacted: number; messages: number }>(
      `SELECT count(*) FILTER (WHERE control)::int AS control, count(*) FILTER (WHERE NOT control)::int AS contacted,
              (SELECT count(*)::int FROM messages WHERE campaign_id = $1) AS messages
         FROM campaign_recipients WHERE campaign_id = $1`,
      [id],
    );
    expect(counts.rows[0].control + counts.rows[0].contacted).toBe(7);
    expect(result).toMatchObject({ heldOut: counts.rows[0].control, recipients: counts.rows[0].contacted });
    expect(counts.rows[0].messages).toBe(counts.rows[0].contacted); // nobody held out is messaged
  });

  it('restarts without duplicating or losing: the audience is frozen once and queued messages are enqueued again', async () => {
    await db.pool.query(`UPDATE organizations SET messaging_settings = '{"frequencyCapDays": 0}' WHERE id = $1`, [org.id]);
    const id = await campaign({ channels: ['sms', 'email'] });
    await app.get(FanOutService).start(id);
    const sms = queue(QueueName.SendSms);
    try {
      // A crash after the INSERT and before addBulk would leave messages without jobs: remove them.
      const ids = (await db.pool.query<{ id: string }>(`SELECT id::text FROM messages WHERE campaign_id = $1 AND channel = 'sms'`, [id])).rows.map((r) => r.id);
      for (const m of ids) await (await sms.getJob(sendJobId(m)))!.remove();
      // A new client matching the audience appears meanwhile: the frozen audience does not change.
      await episode(await client('late', { phone: '+995555000099' }), 'lapsed');
      const again = await app.get(FanOutService).start(id, true);
      expect(again).toMatchObject({ started: true, messages: 0, recipients: 7 });
      expect((await db.pool.query(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1`, [id])).rows[0].n).toBe(7);
      for (const m of ids) expect(await sms.getJob(sendJobId(m))).toBeDefined();
      // A cancelled campaign does not start again.
      await db.pool.query(`UPDATE campaigns SET status = 'cancelled' WHERE id = $1`, [id]);
      expect((await app.get(FanOutService).start(id, true)).started).toBe(false);
    } finally {
      await sms.close();
    }
  });

  it('writes and enqueues an audience of many batches: one message and one job per recipient, each with its own link', async () => {
    await db.pool.query(`UPDATE organizations SET messaging_settings = '{"frequencyCapDays": 0}' WHERE id = $1`, [org.id]);
    const { rows: added } = await db.pool.query<{ id: string }>(
      `INSERT INTO clients (organization_id, external_id, name, phone, locale, consent_sms)
       SELECT $1, 'many-' || i, 'Many ' || i, '+99559' || lpad(i::text, 7, '0'), CASE WHEN i % 2 = 0 THEN 'ka' ELSE 'en' END, 'granted'
         FROM generate_series(1, 1200) i
       RETURNING id`,
      [org.id],
    );
    for (const { id } of added) await episode(id, 'lapsed');
    const id = await campaign({ channels: ['sms', 'email'] });
    const result = await app.get(FanOutService).start(id);
    const { rows } = await db.pool.query<{ messages: number; clients: number; tokens: number; queued: string[] }>(
      `SELECT count(*)::int AS messages, count(DISTINCT client_id)::int AS clients, count(DISTINCT feedback_token_hash)::int AS tokens,
              array_agg(id::text) FILTER (WHERE channel = 'sms') AS queued
         FROM messages WHERE campaign_id = $1`,
      [id],
    );
    expect(result.recipients).toBeGreaterThan(1200);
    expect(rows[0]).toMatchObject({ messages: result.recipients, clients: result.recipients, tokens: result.recipients });
    expect(result.messages).toBe(result.recipients);
    const sms = queue(QueueName.SendSms);
    try {
      const jobs = await Promise.all(rows[0].queued.map((m) => sms.getJob(sendJobId(m))));
      expect(jobs.filter((j) => j?.data.messageId).length).toBe(rows[0].queued.length);
    } finally {
      await sms.close();
    }
  });

  it('marks a campaign fanned out only when every message is written; a paused one that stopped part-way is finished by its restart and stays paused', async () => {
    await db.pool.query(`UPDATE organizations SET messaging_settings = '{"frequencyCapDays": 0}' WHERE id = $1`, [org.id]);
    const id = await campaign({ channels: ['sms', 'email'] });
    const first = await app.get(FanOutService).start(id);
    const fannedOut = async () => (await db.pool.query(`SELECT fanned_out_at IS NOT NULL AS done, status FROM campaigns WHERE id = $1`, [id])).rows[0];
    expect(await fannedOut()).toEqual({ done: true, status: 'running' });
    // As if the fan-out had stopped after half the audience while staff paused the campaign.
    await db.pool.query(`DELETE FROM messages WHERE campaign_id = $1 AND id IN (SELECT id FROM messages WHERE campaign_id = $1 ORDER BY id DESC LIMIT $2)`, [id, Math.floor(first.messages / 2)]);
    await db.pool.query(`UPDATE campaigns SET fanned_out_at = NULL, status = 'paused' WHERE id = $1`, [id]);
    const again = await app.get(FanOutService).start(id, true);
    expect(again).toMatchObject({ started: true, messages: Math.floor(first.messages / 2) });
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1`, [id])).rows[0].n).toBe(first.messages);
    expect(await fannedOut()).toEqual({ done: true, status: 'paused' });
  });

  it('stops writing when the campaign is cancelled while it fans out, and leaves no message queued', async () => {
    await db.pool.query(`UPDATE organizations SET messaging_settings = '{"frequencyCapDays": 0}' WHERE id = $1`, [org.id]);
    const { rows: added } = await db.pool.query<{ id: string }>(
      `INSERT INTO clients (organization_id, external_id, name, phone, locale, consent_sms)
       SELECT $1, 'cancel-' || i, 'Cancel ' || i, '+99558' || lpad(i::text, 7, '0'), 'en', 'granted' FROM generate_series(1, 6000) i RETURNING id`,
      [org.id],
    );
    await db.pool.query(
      `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, left_on, method, revenue_12m, value_tier, lapsed_at)
       SELECT $1, c, 'lapsed', now() - interval '5 days', now() - interval '200 days', (now() - interval '10 days')::date, 'cadence', 100, 1, now() - interval '5 days'
         FROM unnest($2::bigint[]) c`,
      [org.id, added.map((r) => r.id)],
    );
    const id = await campaign({ channels: ['sms', 'email'] });
    const running = app.get(FanOutService).start(id);
    // Cancel as soon as the first messages are written, through the service staff use.
    await waitFor('the first messages', async () => (await db.pool.query(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1`, [id])).rows[0].n > 0, 20_000);
    await app.get(CampaignsService).cancel(org.id, id);
    const result = await running;
    const { rows } = await db.pool.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM messages WHERE campaign_id = $1 GROUP BY 1`, [id]);
    expect(rows.filter((r) => r.status === 'queued')).toEqual([]);
    expect(result.messages).toBeLessThan(result.recipients); // it stopped
    expect((await db.pool.query(`SELECT status, fanned_out_at FROM campaigns WHERE id = $1`, [id])).rows[0]).toEqual({ status: 'cancelled', fanned_out_at: null });
  });
});
