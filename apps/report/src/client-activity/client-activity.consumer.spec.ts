import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { loadConfig } from '@comeback/config';
import { ContractMismatchError, EventConsumer, EventName, eventQueueName } from '@comeback/contracts';
import { appendEvents, connectEventConsumer, OutboxRelay } from '@comeback/events';
import { createNestApp } from '@comeback/platform';
import { createReason, mergeReasons } from '@comeback/reasons';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, waitFor, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../config';
import { ClientActivityModule } from './client-activity.module';

describe('client-activity consumer over the durable event transport (real PostgreSQL and Redis)', () => {
  let db: TestDatabase;
  let redis: Redis;
  let relay: OutboxRelay;
  let orgId: string;
  let clientId: string;
  let episodeId: string;
  const prefix = testRedisPrefix();
  const config = () =>
    loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error' });
  const startConsumer = async (imports: unknown[] = [ClientActivityModule]) => {
    const app = await createNestApp({ app: 'report', config: config(), imports: imports as never });
    try {
      connectEventConsumer(app, EventConsumer.ClientActivity);
      await app.startAllMicroservices();
      await app.init();
    } catch (err) {
      await app.close();
      throw err;
    }
    return app;
  };
  const activities = async () =>
    (await db.pool.query(`SELECT kind, event_id::text, details FROM client_activities WHERE organization_id = $1 ORDER BY id`, [orgId])).rows;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    relay = new OutboxRelay({ pool: db.pool, connection: redis, prefix });
    const make = factories(db.pool);
    orgId = (await make.organization()).id;
    clientId = await make.client(orgId);
    const { rows } = await db.pool.query(
      `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, method, score, usual_gap_days)
       VALUES ($1, $2, 'lapsed', now(), now() - interval '60 days', 'cadence', 4.2, 14) RETURNING id::text`,
      [orgId, clientId],
    );
    episodeId = rows[0].id;
  });
  afterAll(async () => {
    await relay.stop();
    await redis.quit();
    await db.drop();
  });

  it('keeps an event published while the consumer is down, and handles it once the consumer starts', async () => {
    const [eventId] = await appendEvents(db.pool, orgId, [{ name: EventName.ClientChurned, payload: { organizationId: orgId, clientId, episodeId } }]);
    expect(await relay.drain()).toBe(1);
    // Nobody is listening: the event waits in the consumer's own queue.
    const queue = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection: redis, prefix });
    expect(await queue.getWaitingCount()).toBe(1);
    expect(await activities()).toEqual([]);

    const app = await startConsumer();
    try {
      const rows = await waitFor('the activity row', async () => ((await activities()).length ? activities() : undefined));
      expect(rows).toEqual([{ kind: 'client.churned', event_id: eventId, details: expect.objectContaining({ episodeId, method: 'cadence', score: 4.2, usualGapDays: 14 }) }]);
      // Delivered, so no longer in the outbox.
      expect((await db.pool.query(`SELECT 1 FROM outbox_events WHERE id = $1`, [eventId])).rowCount).toBe(0);
    } finally {
      await app.close();
      await queue.close();
    }
  });

  it('handles a redelivered event once (receipts), and ignores an episode of another organization', async () => {
    const other = await factories(db.pool).organization();
    const [eventId] = await appendEvents(db.pool, orgId, [{ name: EventName.ClientAtRisk, payload: { organizationId: orgId, clientId, episodeId } }]);
    const [forged] = await appendEvents(db.pool, other.id, [{ name: EventName.ClientAtRisk, payload: { organizationId: other.id, clientId, episodeId } }]);
    await relay.drain();
    const app = await startConsumer();
    try {
      await waitFor('both events handled', async () => {
        const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM event_receipts WHERE event_id = ANY($1::bigint[])`, [[eventId, forged]]);
        return rows[0].n === 2;
      });
      // The relay sends it again (as after a crash between the queue add and the commit).
      await db.pool.query(
        `INSERT INTO outbox_events (id, organization_id, name, payload) OVERRIDING SYSTEM VALUE VALUES ($1, $2, 'client.at-risk', $3)`,
        [eventId, orgId, { organizationId: orgId, clientId, episodeId }],
      );
      const queue = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection: redis, prefix });
      await (await queue.getJob(`evt-${eventId}`))?.remove();
      await queue.close();
      await relay.drain();
      await waitFor('the redelivered event to be processed', async () => {
        const q = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection: redis, prefix });
        const job = await q.getJob(`evt-${eventId}`);
        await q.close();
        return Boolean(job?.finishedOn);
      });
      expect((await activities()).map((a) => a.kind)).toEqual(['client.churned', 'client.at-risk']);
      expect((await db.pool.query(`SELECT count(*)::int AS n FROM client_activities WHERE organization_id = $1`, [other.id])).rows[0].n).toBe(0);
    } finally {
      await app.close();
    }
  });

  it("brings the reason on staff's timeline entries up to date after merges (reason.merged), keeping the words recorded", async () => {
    const reasonIds: Record<string, string> = {};
    for (const label of ['Pricey', 'Costs too much', 'Too expensive', 'Moved away']) reasonIds[label] = (await createReason(db.pool, { organizationId: orgId, label })).reason.id;
    const entry = async (org: string, client: string, reasonId: string, reason: string): Promise<string> =>
      (
        await db.pool.query<{ id: string }>(
          `INSERT INTO client_activities (organization_id, client_id, kind, occurred_at, details) VALUES ($1, $2, 'reason.recorded', now(), $3) RETURNING id::text`,
          [org, client, { episodeId, reasonId, reason, note: null, newReason: false }],
        )
      ).rows[0].id;
    const pricey = await entry(orgId, clientId, reasonIds.Pricey, 'Pricey');
    const moved = await entry(orgId, clientId, reasonIds['Moved away'], 'Moved away');
    // Another organization's entry naming the same id (it cannot be its reason) is left alone.
    const other = await factories(db.pool).organization();
    const foreign = await entry(other.id, await factories(db.pool).client(other.id), reasonIds.Pricey, 'Pricey');
    await mergeReasons(db.pool, { organizationId: orgId, fromId: reasonIds.Pricey, intoId: reasonIds['Costs too much'] });
    await mergeReasons(db.pool, { organizationId: orgId, fromId: reasonIds['Costs too much'], intoId: reasonIds['Too expensive'] });
    const events = (await db.pool.query<{ id: string }>(`SELECT id::text FROM outbox_events WHERE name = $1 ORDER BY id`, [EventName.ReasonMerged])).rows.map((r) => r.id);
    expect(events).toHaveLength(2);
    expect(await relay.drain()).toBe(2);

    const app = await startConsumer();
    try {
      await waitFor('both merges handled', async () => {
        const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM event_receipts WHERE consumer = $1 AND event_id = ANY($2::bigint[])`, [EventConsumer.ClientActivity, events]);
        return rows[0].n === 2;
      });
    } finally {
      await app.close();
    }
    const details = async (id: string) => (await db.pool.query(`SELECT details FROM client_activities WHERE id = $1`, [id])).rows[0].details;
    expect(await details(pricey)).toEqual({ episodeId, reasonId: reasonIds['Too expensive'], reason: 'Too expensive', recordedAs: 'Pricey', note: null, newReason: false });
    expect(await details(moved)).toEqual({ episodeId, reasonId: reasonIds['Moved away'], reason: 'Moved away', note: null, newReason: false });
    expect(await details(foreign)).toMatchObject({ reasonId: reasonIds.Pricey, reason: 'Pricey' });
    expect(await details(foreign)).not.toHaveProperty('recordedAs');
  });

  it('refuses to start when a subscribed event has no handler or two', async () => {
    @Controller()
    class OnlyOneHandler {
      @EventPattern(EventName.ClientChurned)
      handle(): void {}
    }
    await expect(startConsumer([{ module: class M {}, controllers: [OnlyOneHandler] }])).rejects.toThrow(ContractMismatchError);
    await expect(startConsumer([{ module: class M {}, controllers: [OnlyOneHandler] }])).rejects.toThrow('no handler for "client.at-risk"');
  });
});
