import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { loadConfig } from '@comeback/config';
import { QueueName, SEND_JOBS, sendJobId } from '@comeback/contracts';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, waitFor, type TestDatabase, metricSample } from '@comeback/testing';
import { DISPATCHER_ENV } from '../config';
import { dispatcherAppOptions } from '../dispatcher-app';

const sample = metricSample;

/** The dispatcher's /metrics after real sends through the sandbox: messages by channel and status, jobs by outcome. */
describe('dispatcher metrics', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let redis: Redis;
  let sms: Queue;
  let email: Queue;
  const prefix = testRedisPrefix();
  const scrape = async () => (await request(app.getHttpServer()).get('/metrics').expect(200)).text;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const config = loadConfig('dispatcher', DISPATCHER_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error' });
    app = await createNestApp({ ...dispatcherAppOptions(config, {}), config });
    await app.init();
    sms = new Queue(QueueName.SendSms, { connection: redis, prefix });
    email = new Queue(QueueName.SendEmail, { connection: redis, prefix });
  });
  afterAll(async () => {
    await sms?.obliterate({ force: true });
    await email?.obliterate({ force: true });
    await sms?.close();
    await email?.close();
    await app?.close();
    await redis?.quit();
    await db?.drop();
  });

  it('counts each message sent by channel and status, and each send job by outcome', async () => {
    const org = await factories(db.pool).organization({ timezone: 'Asia/Tbilisi' });
    await db.pool.query(`UPDATE organizations SET messaging_settings = '{"allowedHours": {"from": "00:00", "to": "23:59"}}' WHERE id = $1`, [org.id]);
    const campaign = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO campaigns (organization_id, name, status, template_key, channels, fanned_out_at) VALUES ($1, 'C', 'running', 'ask', '{sms,email}', now()) RETURNING id::text`,
        [org.id],
      )
    ).rows[0].id;
    const message = async (channel: 'sms' | 'email') => {
      const { rows: c } = await db.pool.query<{ id: string }>(
        `INSERT INTO clients (organization_id, external_id, name, phone, email) VALUES ($1, gen_random_uuid()::text, 'N', '+995555000001', 'n@example.test') RETURNING id::text`,
        [org.id],
      );
      const { rows } = await db.pool.query<{ id: string }>(
        `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status)
         VALUES ($1, $2, $3, $4, $5, 'en', $6, 'queued') RETURNING id::text`,
        [org.id, campaign, c[0].id, channel, channel === 'sms' ? '+995555000001' : 'n@example.test',
          channel === 'sms' ? { text: 'Hello' } : { subject: 'Hi', html: '<p>Hi</p>', text: 'Hi', unsubscribeUrl: 'https://x.test/u/t' }],
      );
      return rows[0].id;
    };
    const before = await scrape();
    const smsIds = [await message('sms'), await message('sms')];
    const emailIds = [await message('email')];
    await sms.addBulk(smsIds.map((id) => ({ name: SEND_JOBS.sms.job, data: { messageId: id }, opts: { jobId: sendJobId(id) } })));
    await email.addBulk(emailIds.map((id) => ({ name: SEND_JOBS.email.job, data: { messageId: id }, opts: { jobId: sendJobId(id) } })));
    await waitFor('every message to be sent', async () => (await db.pool.query(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND status IN ('sent', 'delivered')`, [campaign])).rows[0].n === 3);
    await waitFor('the send jobs to complete', async () => (await sms.getJobCounts('completed')).completed === 2 && (await email.getJobCounts('completed')).completed === 1);
    const after = await scrape();
    expect(sample(after, 'comeback_messages_total', { channel: 'sms', status: 'sent' }) - sample(before, 'comeback_messages_total', { channel: 'sms', status: 'sent' })).toBe(2);
    expect(sample(after, 'comeback_messages_total', { channel: 'email', status: 'sent' }) - sample(before, 'comeback_messages_total', { channel: 'email', status: 'sent' })).toBe(1);
    expect(sample(after, 'comeback_jobs_processed_total', { queue: 'send-sms', outcome: 'completed' })).toBe(2);
    expect(sample(after, 'comeback_jobs_processed_total', { queue: 'send-email', outcome: 'completed' })).toBe(1);
    expect(sample(after, 'comeback_queue_jobs', { queue: 'send-sms', state: 'waiting' })).toBe(0);
    expect(after).toContain('app="dispatcher"');
  });
});
