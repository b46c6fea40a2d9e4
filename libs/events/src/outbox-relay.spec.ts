import { Queue } from 'bullmq';
import { EventConsumer, EventName, eventQueueName } from '@comeback/contracts';
import { createRedis } from '@comeback/platform';
import { createTestDatabase, factories, startPrivateRedis, waitFor, type PrivateRedis, type TestDatabase } from '@comeback/testing';
import { appendEvents } from './outbox';
import { OutboxRelay } from './outbox-relay';

/**
 * The relay while Redis is away: it must not hold a PostgreSQL transaction (and the batch's rows)
 * open for the length of the outage, and the events must all go out once Redis is back.
 */
describe('OutboxRelay when Redis is lost or hangs', () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let connection: ReturnType<typeof createRedis>;
  let relay: OutboxRelay;
  let orgId: string;
  const prefix = 'relay-outage';

  const outboxRows = async () => Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM outbox_events`)).rows[0].n);
  /** Sessions of this database left inside a transaction with nothing running. */
  const idleInTransaction = async () =>
    Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`)).rows[0].n);
  const churned = (n: number) =>
    appendEvents(db.pool, orgId, Array.from({ length: n }, (_, i) => ({ name: EventName.ClientChurned, payload: { organizationId: orgId, clientId: String(i + 1), episodeId: String(i + 1) } })));

  beforeAll(async () => {
    db = await createTestDatabase();
    orgId = (await factories(db.pool).organization({ name: 'Relay Clinic' })).id;
    redis = await startPrivateRedis();
    connection = createRedis(redis.url);
    connection.on('error', () => undefined);
    relay = new OutboxRelay({ pool: db.pool, connection, prefix, addTimeoutMs: 500 });
  });
  afterAll(async () => {
    connection?.disconnect();
    await redis?.destroy();
    await db?.drop();
  });

  it('does not open a transaction while the connection is lost, and publishes everything once Redis is back', async () => {
    await churned(3);
    await redis.stop();
    await waitFor('the connection to notice', async () => connection.status === 'reconnecting');
    const started = Date.now();
    await expect(relay.relayOnce()).rejects.toThrow('Redis is not connected');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await outboxRows()).toBe(3);
    expect(await idleInTransaction()).toBe(0);

    await redis.start();
    await waitFor('the connection to come back', async () => connection.status === 'ready', 15_000);
    expect(await relay.drain()).toBe(3);
    expect(await outboxRows()).toBe(0);
    const queue = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection, prefix });
    expect(await queue.getWaitingCount()).toBe(3);
    await queue.close();
  });

  it('rolls a batch back when a hung Redis does not take it in time, and sends it once when Redis answers again', async () => {
    await churned(1);
    redis.pause();
    try {
      await expect(relay.relayOnce()).rejects.toThrow('took longer than 0.5 s');
      expect(await outboxRows()).toBe(1);
      expect(await idleInTransaction()).toBe(0);
    } finally {
      redis.resume();
    }
    await waitFor('the connection to answer again', async () => (await connection.ping()) === 'PONG');
    // The add that timed out may land late; the job id (evt-<id>) makes the second one a no-op.
    expect(await relay.drain()).toBe(1);
    const queue = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection, prefix });
    expect(await queue.getWaitingCount()).toBe(4);
    await queue.close();
  });
});
