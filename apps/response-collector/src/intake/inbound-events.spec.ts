import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { loadConfig } from '@comeback/config';
import { EventConsumer, EventName, eventQueueName } from '@comeback/contracts';
import { OutboxRelayService } from '@comeback/events';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, publishedEvents, TEST_REDIS_URL, testRedisPrefix, waitFor, type TestDatabase } from '@comeback/testing';
import { RESPONSE_COLLECTOR_WORKER_ENV } from '../config';
import { linkedMessage, reason } from '../feedback/testing/personal-link.fixture';
import { responseCollectorWorkerOptions } from '../response-collector-app';
import { startTestCollector, type TestCollector } from '../testing/test-collector';

/**
 * The inbound worker publishes the events it writes itself (its own outbox relay): a feedback
 * answer's reason.recorded reaches the client timeline's queue with no lapse detector running, at
 * once (the worker kicks the relay), and a graceful stop publishes the events of the answers in
 * hand before the process exits.
 */
describe('the inbound worker relays its own events', () => {
  let db: TestDatabase;
  let collector: TestCollector;
  let app: NestExpressApplication;
  let redis: Redis;
  /** The client timeline's event queue (events.client-activity): nothing consumes it here. */
  let timeline: Queue;
  let orgId: string;
  let priceReason: string;
  const prefix = testRedisPrefix();

  /** An inbound worker process as worker.ts builds it (the web process runs without one: each test starts and stops its own). */
  const startWorker = async (): Promise<INestApplication> => {
    const config = loadConfig('response-collector-worker', RESPONSE_COLLECTOR_WORKER_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error' });
    const worker = await createNestApp({ ...responseCollectorWorkerOptions(config), config });
    await worker.init();
    return worker;
  };
  const answer = (token: string, fields: Record<string, string>) => request(app.getHttpServer()).post(`/f/${token}`).type('form').send(fields).expect(200);
  const outboxRows = async () => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events`)).rows[0].n;

  beforeAll(async () => {
    db = await createTestDatabase();
    collector = await startTestCollector({ DATABASE_URL: db.url, REDIS_PREFIX: prefix }, { worker: false });
    app = collector.app;
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    timeline = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection: redis, prefix });
    orgId = (await factories(db.pool).organization({ name: 'Relaying Clinic' })).id;
    priceReason = await reason(db.pool, orgId, 'Too expensive', { usage: 1 });
  });
  afterAll(async () => {
    await collector?.close();
    await timeline?.close();
    await redis?.quit();
    await db?.drop();
  });

  it("publishes a feedback answer's reason.recorded to the client timeline's queue with no lapse detector running, kicking its relay for it", async () => {
    const worker = await startWorker();
    try {
      const kick = jest.spyOn(worker.get(OutboxRelayService), 'kick');
      const m = await linkedMessage(db.pool, orgId, { clientLocale: 'en' });
      await answer(m.token, { reason: priceReason, text: 'Prices went up' });
      await collector.settled();
      const reply = (await db.pool.query<{ id: string }>(`SELECT id::text FROM replies WHERE message_id = $1`, [m.messageId])).rows[0];
      expect(await publishedEvents(db.pool, timeline, EventName.ReasonRecorded, { clientId: m.clientId })).toEqual([
        {
          id: expect.any(String), name: EventName.ReasonRecorded, occurredAt: expect.any(String),
          payload: { organizationId: orgId, clientId: m.clientId, episodeId: m.episodeId, replyId: reply.id }, correlationId: expect.any(String),
        },
      ]);
      expect(kick).toHaveBeenCalledTimes(1);

      // An answer that writes no event (the campaign had no episode for the client) does not kick it.
      const noEpisode = await linkedMessage(db.pool, orgId, { episode: false });
      await answer(noEpisode.token, { text: 'just words', rating: '2' });
      await collector.settled();
      expect((await db.pool.query(`SELECT 1 FROM feedback_responses WHERE message_id = $1`, [noEpisode.messageId])).rowCount).toBe(1);
      expect(await publishedEvents(db.pool, timeline, EventName.ReasonRecorded, { clientId: noEpisode.clientId })).toEqual([]);
      expect(kick).toHaveBeenCalledTimes(1);
    } finally {
      await worker.close();
    }
  });

  it('on a graceful stop, finishes the answer in hand and publishes its event before it exits', async () => {
    const worker = await startWorker();
    const m = await linkedMessage(db.pool, orgId, { clientLocale: 'en' });
    // Another transaction holds the message's lock, so the answer's job is in hand when the stop begins.
    const other = await db.pool.connect();
    let stopped: Promise<void> | undefined;
    try {
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM messages WHERE id = $1 FOR UPDATE`, [m.messageId]);
      await answer(m.token, { reason: priceReason });
      await waitFor('the answer waiting for the lock', async () =>
        (await db.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rowCount! > 0,
      );
      stopped = worker.close();
      // Time for a stop in the wrong order to stop the relay before the job commits (with the worker
      // closed first, the relay cannot stop before the lock is released, however long this is).
      await new Promise((resolve) => setTimeout(resolve, 300));
      await other.query('COMMIT');
    } finally {
      other.release();
      await (stopped ?? worker.close());
    }
    expect((await db.pool.query(`SELECT status FROM inbound_requests WHERE source = 'feedback' AND payload->>'messageId' = $1`, [m.messageId])).rows).toEqual([{ status: 'processed' }]);
    // Nothing left for another relay to find: the event is in the queue already.
    expect(await outboxRows()).toBe(0);
    expect((await publishedEvents(db.pool, timeline, EventName.ReasonRecorded, { clientId: m.clientId }, 1000)).map((e) => e.payload.episodeId)).toEqual([m.episodeId]);
  });
});
