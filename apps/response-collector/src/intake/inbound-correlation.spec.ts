import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import twilio from 'twilio';
import { EventConsumer, EventName, eventQueueName, inboundJobId, QueueName } from '@comeback/contracts';
import { createTestDatabase, factories, publishedEvents, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { FEEDBACK_SOURCE } from '../feedback/feedback-submission';
import { linkedMessage, reason } from '../feedback/testing/personal-link.fixture';
import { LeanPathServer } from '../lean-path/lean-path.server';
import { startTestCollector, type TestCollector } from '../testing/test-collector';

const PUBLIC = 'https://answers.example.test';
const TOKEN = 'inbound-correlation-auth-token';
/** A form content type the lean path leaves to Express. */
const LATIN1_FORM = 'application/x-www-form-urlencoded; charset=iso-8859-1';

/**
 * A request's X-Request-Id follows it into the inbound job it queues (the lean path's and
 * Express's alike), onto the inbound worker's log lines for that job, into the event the job
 * writes, and onto that event's job in its consumer's queue.
 */
describe('the correlation id from a webhook or feedback answer to its inbound job and events', () => {
  let db: TestDatabase;
  let collector: TestCollector;
  let app: NestExpressApplication;
  let lean: LeanPathServer;
  let redis: Redis;
  let prefix: string;
  let inbound: Queue;
  let orgId: string;
  let priceReason: string;
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) };
  const http = () => request(app.getHttpServer());
  const sid = (n: number) => `SM${n.toString(16).padStart(32, '0')}`;
  const sms = (n: number, requestId: string, type = 'application/x-www-form-urlencoded') => {
    const path = `/webhooks/twilio/sms?org=${orgId}`;
    const fields = { MessageSid: sid(n), From: '+995599000777', To: '+995322000000', Body: 'HELP' };
    return http()
      .post(path)
      .set('Content-Type', type)
      .set('X-Request-Id', requestId)
      .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}${path}`, fields))
      .send(new URLSearchParams(fields).toString());
  };
  /** The inbound worker's line for a job it processed. */
  const workerLine = (jobId: string) => lines.find((l) => l.app === 'response-collector-worker' && l.jobId === jobId && String(l.message).endsWith(': processed'));

  beforeAll(async () => {
    process.env.INBOUND_CORRELATION_TOKEN = TOKEN;
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    collector = await startTestCollector({ DATABASE_URL: db.url, REDIS_PREFIX: prefix, PUBLIC_BASE_URL: PUBLIC, LOG_LEVEL: 'debug' }, { logDestination: destination });
    app = collector.app;
    lean = app.get(LeanPathServer);
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    inbound = new Queue(QueueName.Inbound, { connection: redis, prefix });
    orgId = (await factories(db.pool).organization({ name: 'Correlated Clinic', defaultLocale: 'en' })).id;
    const settings = { contact: '+995 32 200 00 00', providers: { sms: { type: 'twilio', accountSid: `AC${'5'.repeat(32)}`, authTokenEnv: 'INBOUND_CORRELATION_TOKEN', from: '+995322000000' } } };
    await db.pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = $1`, [orgId, settings]);
    priceReason = await reason(db.pool, orgId, 'Too expensive', { usage: 3 });
  });
  afterAll(async () => {
    await inbound?.resume().catch(() => undefined);
    await inbound?.close();
    await collector?.close();
    await redis?.quit();
    await db?.drop();
    delete process.env.INBOUND_CORRELATION_TOKEN;
  });

  it("puts a text's X-Request-Id into its inbound job's payload (lean path and Express), and the worker's line for the job carries it", async () => {
    // Paused, so the jobs can be read before the worker takes (and removes) them.
    await inbound.pause();
    const leanBefore = lean.served.lean;
    const viaLean = await sms(1, 'abc-lean-request-01').expect(200);
    expect(lean.served.lean).toBe(leanBefore + 1);
    expect(viaLean.headers['x-request-id']).toBe('abc-lean-request-01');
    await sms(2, 'abc-express-request-02', LATIN1_FORM).expect(200);
    expect(lean.served.lean).toBe(leanBefore + 1);

    const ids = [inboundJobId('twilio-sms', sid(1)), inboundJobId('twilio-sms', sid(2))];
    const jobs = await Promise.all(ids.map((id) => inbound.getJob(id)));
    // The job ids stay the provider's event ids (deduplication); the correlation id is in the payload only.
    expect(jobs.map((j) => j?.id)).toEqual(ids);
    expect(jobs[0]?.data).toMatchObject({ source: 'twilio-sms', key: sid(1), correlationId: 'abc-lean-request-01' });
    expect(jobs[1]?.data).toMatchObject({ source: 'twilio-sms', key: sid(2), correlationId: 'abc-express-request-02' });
    expect(jobs[0]?.data.payload).not.toHaveProperty('correlationId');

    await inbound.resume();
    await collector.settled();
    expect(workerLine(ids[0])).toMatchObject({ level: 'debug', queue: QueueName.Inbound, correlationId: 'abc-lean-request-01', context: 'InboundProcessor' });
    expect(workerLine(ids[1])).toMatchObject({ queue: QueueName.Inbound, correlationId: 'abc-express-request-02' });
  });

  it("carries a feedback answer's request id into the reason.recorded event its job writes, and onto that event's job", async () => {
    const m = await linkedMessage(db.pool, orgId, { clientLocale: 'en' });
    await inbound.pause();
    await http().post(`/f/${m.token}`).set('X-Request-Id', 'abc-feedback-request-03').type('form').send({ reason: priceReason, rating: '2' }).expect(200);
    const [job] = (await inbound.getJobs(['waiting'])).filter((j) => j.data.source === FEEDBACK_SOURCE);
    expect(job.data).toMatchObject({ correlationId: 'abc-feedback-request-03' });
    await inbound.resume();
    await collector.settled();
    expect(workerLine(job.id!)).toMatchObject({ correlationId: 'abc-feedback-request-03' });

    // The event carries it in its outbox payload; the worker's outbox relay moves it onto the
    // envelope of the event's job, where the consumer's worker reads it.
    const events = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection: redis, prefix });
    try {
      const published = await publishedEvents(db.pool, events, EventName.ReasonRecorded);
      expect(published).toEqual([
        {
          id: expect.any(String),
          name: EventName.ReasonRecorded,
          occurredAt: expect.any(String),
          payload: { organizationId: orgId, clientId: m.clientId, episodeId: m.episodeId, replyId: expect.any(String) },
          correlationId: 'abc-feedback-request-03',
        },
      ]);
      expect((await events.getJob(`evt-${published[0].id}`))?.data).toEqual(published[0]);
    } finally {
      await events.close();
    }
  });
});
