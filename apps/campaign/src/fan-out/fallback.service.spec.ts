import { createHash } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { CampaignManagementModule, fanOutLockKey } from '@comeback/campaigns';
import { loadConfig } from '@comeback/config';
import { JobName, QueueName, sendJobId } from '@comeback/contracts';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, waitFor, type OrganizationRow, type TestDatabase } from '@comeback/testing';
import { CAMPAIGN_ENV } from '../config';
import { FALLBACK_SWEEP_EVERY_MS, FALLBACK_SWEEP_SCHEDULER } from './fallback-sweep.scheduler';
import { FallbackService } from './fallback.service';
import { FanOutModule } from './fan-out.module';

const ALL_DAY = { allowedHours: { from: '00:00', to: '23:59' }, prices: { smsSegment: '0.05', email: '0.001', viber: '0.02' } };

/**
 * The channel fallback sweep as the campaign app runs it (Nest app, real PostgreSQL, BullMQ queues
 * on the real Redis under this file's prefix). Time is simulated by putting sent_at in the past.
 * Every campaign here tries Viber, then SMS, then e-mail.
 */
describe('channel fallback', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let redis: Redis;
  let org: OrganizationRow;
  let campaignsQueue: Queue;
  const prefix = testRedisPrefix();
  const queues: Partial<Record<string, Queue>> = {};
  const queue = (name: QueueName) => (queues[name] ??= new Queue(name, { connection: redis, prefix }));
  const sweep = () => app.get(FallbackService).sweep();

  const client = async (o: { phone?: string; email?: string; viber?: string; locale?: string; consentSms?: string; name?: string; episode?: string } = {}) => {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO clients (organization_id, external_id, name, phone, email, viber_id, locale, consent_sms)
       VALUES ($1, gen_random_uuid()::text, $2, $3, $4, $5, $6, $7) RETURNING id::text`,
      [org.id, o.name ?? 'Nino Beridze', o.phone ?? null, o.email ?? null, o.viber ?? null, o.locale ?? null, o.consentSms ?? 'unknown'],
    );
    const { rows: episode } = await db.pool.query<{ id: string }>(
      `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, left_on, method, revenue_12m, value_tier, lapsed_at, returned_at)
       VALUES ($1, $2, $3, now() - interval '5 days', now() - interval '200 days', (now() - interval '10 days')::date, 'cadence', 100, 1, now() - interval '5 days',
               CASE WHEN $3 = 'returned' THEN now() END)
       RETURNING id::text`,
      [org.id, rows[0].id, o.episode ?? 'lapsed'],
    );
    return { id: rows[0].id, episode: episode[0].id };
  };
  const campaign = async (o: { fallbackAfterHours?: number | null; status?: string } = {}) =>
    (
      await db.pool.query<{ id: string }>(
        `INSERT INTO campaigns (organization_id, name, status, template_key, channels, fallback_after_hours, started_at, fanned_out_at)
         VALUES ($1, 'Fallback', $2, 'ask', '{viber,sms,email}', $3, now(), now()) RETURNING id::text`,
        [org.id, o.status ?? 'running', o.fallbackAfterHours ?? null],
      )
    ).rows[0].id;
  /** A recipient of the campaign with a message on `channel`, as the fan-out (or an earlier fallback) left it. */
  const message = async (
    campaignId: string,
    who: { id: string; episode: string },
    channel: string,
    o: { status?: string; sentHoursAgo?: number; delivered?: boolean; replied?: boolean; fallbackOf?: string; receiptsExpected?: boolean } = {},
  ) => {
    await db.pool.query(
      `INSERT INTO campaign_recipients (campaign_id, client_id, organization_id, episode_id, control) VALUES ($1, $2, $3, $4, false) ON CONFLICT DO NOTHING`,
      [campaignId, who.id, org.id, who.episode],
    );
    const status = o.status ?? 'sent';
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status, sent_at, delivered_at, replied_at, fallback_of, receipts_expected)
       VALUES ($1, $2, $3, $4, 'address', 'ka', '{"text":"first"}', $5,
               CASE WHEN $5 IN ('sent', 'delivered', 'undelivered') THEN now() - make_interval(hours => $6::int) END,
               CASE WHEN $7 THEN now() - make_interval(hours => $6::int) END, CASE WHEN $8 THEN now() END, $9, $10)
       RETURNING id::text`,
      [org.id, campaignId, who.id, channel, status, o.sentHoursAgo ?? 0, o.delivered ?? false, o.replied ?? false, o.fallbackOf ?? null, o.receiptsExpected ?? true],
    );
    return rows[0].id;
  };
  interface Fallback {
    id: string;
    campaign_id: string;
    client_id: string;
    channel: string;
    status: string;
    to_address: string;
    locale: string;
    content: { text: string; subject?: string; unsubscribeUrl?: string };
    segments: number | null;
    cost: string;
    not_before: Date | null;
    feedback_token_hash: Buffer;
  }
  const fallbackOf = async (messageId: string) =>
    (await db.pool.query<Fallback>(`SELECT *, id::text, campaign_id::text, client_id::text, cost::text FROM messages WHERE fallback_of = $1`, [messageId])).rows;
  const campaignStatus = async (id: string) => (await db.pool.query<{ status: string }>(`SELECT status FROM campaigns WHERE id = $1`, [id])).rows[0].status;
  const template = (channel: string, locale: string, parts: object) =>
    db.pool.query(`INSERT INTO message_templates (organization_id, key, channel, locale, parts) VALUES ($1, 'ask', $2, $3, $4)`, [org.id, channel, locale, parts]);

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const config = loadConfig('campaign', CAMPAIGN_ENV, {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error', PUBLIC_FEEDBACK_URL: 'https://answers.example.test',
    });
    app = await createNestApp({ app: 'campaign', config, imports: [CampaignManagementModule.forRoot({ publicFeedbackUrl: config.PUBLIC_FEEDBACK_URL }), FanOutModule] });
    await app.init();
    campaignsQueue = queue(QueueName.Campaigns);
    org = await factories(db.pool).organization({ timezone: 'Asia/Tbilisi', defaultLocale: 'ka', name: 'Tbilisi Clinic' });
    await db.pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = $1`, [org.id, ALL_DAY]);
    await template('viber', 'ka', { text: 'გამარჯობა {{client.firstName}}!', buttonText: 'პასუხი', buttonUrl: '{{feedbackUrl}}' });
    await template('sms', 'ka', { text: 'გამარჯობა {{client.firstName}}! {{feedbackUrl}} {{optOutText}}' });
    await template('sms', 'en', { text: 'Hi {{client.firstName}}, why did you leave {{organization.name}}? {{feedbackUrl}}' });
    await template('email', 'en', { subject: 'We miss you, {{client.firstName}}', html: '<p><a href="{{feedbackUrl}}">Tell us</a></p>', text: 'Tell us: {{feedbackUrl}}' });
  });
  afterAll(async () => {
    for (const q of Object.values(queues)) await q!.close();
    await app.close();
    await redis.quit();
    await db.drop();
  });

  it('is enqueued every minute by one job scheduler, and the campaigns worker runs it', async () => {
    const schedulers = await campaignsQueue.getJobSchedulers();
    expect(schedulers.map((s) => ({ key: s.key, every: Number(s.every), name: s.name }))).toEqual([
      { key: FALLBACK_SWEEP_SCHEDULER, every: FALLBACK_SWEEP_EVERY_MS, name: JobName.FallbackSweep },
    ]);
    // The rest of this file sweeps when it says so.
    await campaignsQueue.removeJobScheduler(FALLBACK_SWEEP_SCHEDULER);
    await waitFor('scheduled sweeps to be gone', async () => {
      const counts = await campaignsQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    });

    const c = await campaign();
    const failed = await message(c, await client({ viber: 'v-worker', phone: '+995555100001' }), 'viber', { status: 'failed' });
    await campaignsQueue.add(JobName.FallbackSweep, {}, { jobId: 'sweep-now', removeOnComplete: true });
    const [sms] = await waitFor('the worker\'s sweep to write the fallback', async () => {
      const rows = await fallbackOf(failed);
      return rows.length ? rows : undefined;
    });
    expect(sms).toMatchObject({ channel: 'sms', status: 'queued', to_address: '+995555100001' });
    // With the sweep job's correlation id (for the logs), never in the job id.
    expect((await queue(QueueName.SendSms).getJob(sendJobId(sms.id)))?.data).toEqual({ messageId: sms.id, correlationId: expect.any(String) });
    // Done before the next test writes its rows (its "finished" check would see a campaign with no messages yet).
    await waitFor('the worker\'s sweep to end', async () => !(await campaignsQueue.getJob('sweep-now')));
  });

  it('falls back at once from a refused message (failed, dead, undelivered), rendered in the client\'s locale on their next reachable channel', async () => {
    const c = await campaign();
    const english = await client({ name: 'Anna Smith', viber: 'v-en', phone: '+995555100002', locale: 'en-GB' });
    const georgian = await client({ name: 'ნინო ბერიძე', viber: 'v-ka', phone: '+995555100003' });
    // No Russian SMS template: the organization's default locale (ka).
    const russian = await client({ name: 'Ivan Petrov', viber: 'v-ru', phone: '+995555100004', locale: 'ru' });
    // No phone: from Viber straight to e-mail.
    const noPhone = await client({ name: 'Mark Twain', viber: 'v-mail', email: 'mark@example.test', locale: 'en' });
    const failed = await message(c, english, 'viber', { status: 'failed' });
    const dead = await message(c, georgian, 'viber', { status: 'dead' });
    const undelivered = await message(c, russian, 'viber', { status: 'undelivered', sentHoursAgo: 1 });
    const toEmail = await message(c, noPhone, 'viber', { status: 'failed' });
    // Texts wait for the client's allowed hours: a window that is closed now (it opens in ten hours, UTC).
    const opens = new Date(Date.now() + 10 * 3600_000);
    const window = { from: `${String(opens.getUTCHours()).padStart(2, '0')}:00`, to: `${String((opens.getUTCHours() + 1) % 24).padStart(2, '0')}:00` };
    await db.pool.query(`UPDATE organizations SET messaging_settings = $2, timezone = 'UTC' WHERE id = $1`, [org.id, { ...ALL_DAY, allowedHours: window }]);
    try {
      expect(await sweep()).toMatchObject({ fallbacks: 4, skipped: 0 });
    } finally {
      await db.pool.query(`UPDATE organizations SET messaging_settings = $2, timezone = 'Asia/Tbilisi' WHERE id = $1`, [org.id, ALL_DAY]);
    }

    const [en] = await fallbackOf(failed);
    expect(en).toMatchObject({ campaign_id: c, client_id: english.id, channel: 'sms', status: 'queued', to_address: '+995555100002', locale: 'en', segments: 1, cost: '0.0500' });
    expect(en.content.text).toMatch(/^Hi Anna, why did you leave Tbilisi Clinic\? https:\/\/answers\.example\.test\/f\/[A-Za-z0-9_-]{24}$/u);
    const token = en.content.text.match(/\/f\/([A-Za-z0-9_-]+)/u)![1];
    expect(en.feedback_token_hash.equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(en.not_before!.getUTCHours()).toBe(opens.getUTCHours());
    expect(en.not_before!.getTime()).toBeGreaterThan(Date.now());
    const job = await queue(QueueName.SendSms).getJob(sendJobId(en.id));
    expect(job?.data).toEqual({ messageId: en.id });
    expect(await job!.getState()).toBe('delayed');

    const [ka] = await fallbackOf(dead);
    expect(ka).toMatchObject({ channel: 'sms', locale: 'ka', segments: 2, cost: '0.1000' });
    expect(ka.content.text).toMatch(/^გამარჯობა ნინო! https:\/\/answers\.example\.test\/f\/[A-Za-z0-9_-]{24} გამოსაწერად უპასუხეთ STOP\.$/u);
    expect(ka.feedback_token_hash.equals(en.feedback_token_hash)).toBe(false);
    const [ru] = await fallbackOf(undelivered);
    expect(ru).toMatchObject({ channel: 'sms', locale: 'ka', to_address: '+995555100004' });
    expect(ru.content.text).toMatch(/^გამარჯობა Ivan!/u);

    const [mail] = await fallbackOf(toEmail);
    expect(mail).toMatchObject({ channel: 'email', locale: 'en', to_address: 'mark@example.test', cost: '0.0010', not_before: null, segments: null });
    expect(mail.content.subject).toBe('We miss you, Mark');
    expect(mail.content.unsubscribeUrl).toMatch(/^https:\/\/answers\.example\.test\/u\/[A-Za-z0-9_-]{24}$/u);
    const emailJob = await queue(QueueName.SendEmail).getJob(sendJobId(mail.id));
    expect(emailJob?.data).toEqual({ messageId: mail.id });
  });

  it('falls back from a sent message without a delivery receipt only once the campaign\'s fallback hours have passed, and only if its provider reports delivery', async () => {
    const c = await campaign({ fallbackAfterHours: 24 });
    const recent = await message(c, await client({ viber: 'v1', phone: '+995555100011' }), 'viber', { sentHoursAgo: 23 });
    const old = await message(c, await client({ viber: 'v2', phone: '+995555100012' }), 'viber', { sentHoursAgo: 25 });
    const delivered = await message(c, await client({ viber: 'v3', phone: '+995555100013' }), 'viber', { status: 'delivered', sentHoursAgo: 30, delivered: true });
    const doubt = await message(c, await client({ viber: 'v4', phone: '+995555100014' }), 'viber', { status: 'in_doubt', sentHoursAgo: 30 });
    const queued = await message(c, await client({ viber: 'v5', phone: '+995555100015' }), 'viber', { status: 'queued' });
    const cancelled = await message(c, await client({ viber: 'v6', phone: '+995555100016' }), 'viber', { status: 'cancelled' });
    // Without fallback hours, a message with no receipt never falls back, however old.
    const noHours = await campaign();
    const unreceipted = await message(noHours, await client({ viber: 'v7', phone: '+995555100017' }), 'viber', { sentHoursAgo: 1000 });
    // A message whose provider never reports delivery (SMTP, or no callback URL) is not "undelivered" for want of a receipt.
    const noReceipts = await message(c, await client({ viber: 'v8', phone: '+995555100018' }), 'viber', { sentHoursAgo: 1000, receiptsExpected: false });

    expect(await sweep()).toMatchObject({ fallbacks: 1 });
    expect((await fallbackOf(old)).map((f) => f.channel)).toEqual(['sms']);
    for (const id of [recent, delivered, doubt, queued, cancelled, unreceipted, noReceipts]) expect(await fallbackOf(id)).toEqual([]);

    // An hour later, the recent one's turn.
    await db.pool.query(`UPDATE messages SET sent_at = sent_at - interval '1 hour' WHERE id = $1`, [recent]);
    expect(await sweep()).toMatchObject({ fallbacks: 1 });
    expect((await fallbackOf(recent)).map((f) => f.channel)).toEqual(['sms']);
  });

  it('never falls back after a reply, for a client who returned, or to a channel the client opted out of or has no address on', async () => {
    const c = await campaign();
    const replied = await message(c, await client({ viber: 'r1', phone: '+995555100021' }), 'viber', { status: 'undelivered', replied: true });
    // Replied on Viber; the SMS to them failed: nothing more is sent to someone who answered.
    const answered = await client({ viber: 'r2', phone: '+995555100022', email: 'r2@example.test' });
    await message(c, answered, 'viber', { status: 'delivered', delivered: true, replied: true });
    const smsFailed = await message(c, answered, 'sms', { status: 'failed' });
    const returned = await message(c, await client({ viber: 'r3', phone: '+995555100023', episode: 'returned' }), 'viber', { status: 'failed' });
    const optedOut = await message(c, await client({ viber: 'r4', phone: '+995555100024', consentSms: 'revoked' }), 'viber', { status: 'failed' });
    const noAddress = await message(c, await client({ viber: 'r5' }), 'viber', { status: 'failed' });
    // Opted out of SMS but has an e-mail address: e-mail.
    const optedOutSms = await message(c, await client({ viber: 'r6', phone: '+995555100026', consentSms: 'revoked', email: 'r6@example.test' }), 'viber', { status: 'failed' });
    // Refused on the last channel: nothing after it.
    const lastChannel = await message(c, await client({ email: 'r7@example.test', phone: '+995555100027' }), 'email', { status: 'failed' });

    expect(await sweep()).toMatchObject({ fallbacks: 1 });
    for (const id of [replied, smsFailed, returned, optedOut, noAddress, lastChannel]) expect(await fallbackOf(id)).toEqual([]);
    expect(await fallbackOf(optedOutSms)).toMatchObject([{ channel: 'email', to_address: 'r6@example.test' }]);
  });

  it('writes each fallback once when sweeps run twice or at the same time', async () => {
    const c = await campaign();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const who = await client({ viber: `d${i}`, phone: `+9955552000${String(i).padStart(2, '0')}`, email: `d${i}@example.test` });
      ids.push(await message(c, who, 'viber', { status: 'failed' }));
    }
    const results = await Promise.all([sweep(), sweep(), sweep()]);
    expect(results.reduce((n, r) => n + r.fallbacks, 0)).toBe(30);
    // Each has its SMS fallback now: not an e-mail one besides.
    expect(await sweep()).toMatchObject({ fallbacks: 0, skipped: 0 });
    const { rows } = await db.pool.query<{ fallback_of: string; n: number }>(
      `SELECT fallback_of::text, count(*)::int AS n FROM messages WHERE fallback_of = ANY($1::bigint[]) GROUP BY 1`,
      [ids],
    );
    expect(rows.length).toBe(30);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const written = (await db.pool.query<{ id: string }>(`SELECT id::text FROM messages WHERE fallback_of = ANY($1::bigint[])`, [ids])).rows.map((r) => r.id);
    const sms = queue(QueueName.SendSms);
    expect((await Promise.all(written.map((id) => sms.getJob(sendJobId(id))))).every((j) => j !== undefined)).toBe(true);

    // A sweep that crashed between writing its fallbacks and enqueueing them: its retry enqueues them.
    for (const id of written.slice(0, 5)) await (await sms.getJob(sendJobId(id)))!.remove();
    const retried = await app.get(FallbackService).sweep(true);
    expect(retried.requeued).toBeGreaterThanOrEqual(30);
    expect((await Promise.all(written.map((id) => sms.getJob(sendJobId(id))))).every((j) => j?.data.messageId)).toBe(true);
  });

  it('leaves a paused campaign\'s messages until it resumes, and a cancelled one\'s for good', async () => {
    const paused = await campaign({ status: 'paused' });
    const waiting = await message(paused, await client({ viber: 'p1', phone: '+995555100031' }), 'viber', { status: 'failed' });
    const cancelled = await campaign({ status: 'cancelled' });
    const never = await message(cancelled, await client({ viber: 'p2', phone: '+995555100032' }), 'viber', { status: 'failed' });
    expect(await sweep()).toMatchObject({ fallbacks: 0, skipped: 0 });
    expect(await fallbackOf(waiting)).toEqual([]);
    await db.pool.query(`UPDATE campaigns SET status = 'running' WHERE id = $1`, [paused]);
    expect(await sweep()).toMatchObject({ fallbacks: 1 });
    expect(await fallbackOf(waiting)).toMatchObject([{ channel: 'sms' }]);
    expect(await fallbackOf(never)).toEqual([]);
  });

  it('falls back again from a fallback: Viber, then SMS, then e-mail, and no further', async () => {
    const c = await campaign({ fallbackAfterHours: 6 });
    const viber = await message(c, await client({ name: 'Chain Client', viber: 'c1', phone: '+995555100041', email: 'c1@example.test', locale: 'en' }), 'viber', { sentHoursAgo: 7 });
    await sweep();
    const [sms] = await fallbackOf(viber);
    expect(sms).toMatchObject({ channel: 'sms', status: 'queued' });
    await db.pool.query(`UPDATE messages SET status = 'failed' WHERE id = $1`, [sms.id]);
    expect(await sweep()).toMatchObject({ fallbacks: 1 });
    const [email] = await fallbackOf(sms.id);
    expect(email).toMatchObject({ channel: 'email', locale: 'en', to_address: 'c1@example.test' });
    expect(email.content.subject).toBe('We miss you, Chain');
    await db.pool.query(`UPDATE messages SET status = 'sent', sent_at = now() - interval '7 hours' WHERE id = $1`, [email.id]);
    expect(await sweep()).toMatchObject({ fallbacks: 0 });
    expect(await fallbackOf(email.id)).toEqual([]);
  });

  it('keeps a campaign running while a message may still fall back, and marks it done once nothing can', async () => {
    const c = await campaign({ fallbackAfterHours: 24 });
    const viber = await message(c, await client({ viber: 'f1', phone: '+995555100051' }), 'viber', { sentHoursAgo: 1 });
    // Nothing queued, but the Viber message may still fall back.
    expect(await sweep()).toMatchObject({ fallbacks: 0 });
    expect(await campaignStatus(c)).toBe('running');
    await db.pool.query(`UPDATE messages SET sent_at = now() - interval '25 hours' WHERE id = $1`, [viber]);
    expect(await sweep()).toMatchObject({ fallbacks: 1 });
    expect(await campaignStatus(c)).toBe('running');
    // The SMS delivered: nothing left to send or to fall back.
    await db.pool.query(`UPDATE messages SET status = 'delivered', sent_at = now(), delivered_at = now() WHERE fallback_of = $1`, [viber]);
    const done = await sweep();
    expect(done.finished).toBeGreaterThanOrEqual(1);
    expect(await campaignStatus(c)).toBe('done');

    // Without fallback hours, a message sent with no receipt does not hold its campaign.
    const noHours = await campaign();
    await message(noHours, await client({ viber: 'f3', phone: '+995555100053' }), 'viber', { sentHoursAgo: 1 });
    await sweep();
    expect(await campaignStatus(noHours)).toBe('done');

    // A refused message whose client has no channel left does not hold its campaign either ...
    const stuck = await campaign();
    await message(stuck, await client({ viber: 'f2' }), 'viber', { status: 'failed' });
    // ... but a campaign whose fan-out is under way (its lock held) is not done, whatever it has written so far.
    const fanOut = await db.pool.connect();
    try {
      await fanOut.query(`SELECT pg_advisory_lock(${fanOutLockKey('$1')})`, [stuck]);
      await sweep();
      expect(await campaignStatus(stuck)).toBe('running');
      await fanOut.query(`SELECT pg_advisory_unlock(${fanOutLockKey('$1')})`, [stuck]);
    } finally {
      fanOut.release();
    }
    await sweep();
    expect(await campaignStatus(stuck)).toBe('done');

    // Nor is one whose fan-out stopped part-way (crashed, lock released): fanned_out_at is unset until its restart finishes.
    const partial = await campaign();
    await db.pool.query(`UPDATE campaigns SET fanned_out_at = NULL WHERE id = $1`, [partial]);
    await message(partial, await client({ viber: 'f4', phone: '+995555100054' }), 'viber', { status: 'delivered', delivered: true });
    await sweep();
    expect(await campaignStatus(partial)).toBe('running');
    await db.pool.query(`UPDATE campaigns SET fanned_out_at = now() WHERE id = $1`, [partial]);
    await sweep();
    expect(await campaignStatus(partial)).toBe('done');
  });
});
