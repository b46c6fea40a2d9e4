import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { EventConsumer, EventName, eventQueueName } from '@comeback/contracts';
import { createTestDatabase, factories, publishedEvents, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { appendEvents } from './outbox';
import { OutboxRelay } from './outbox-relay';

/**
 * `kick()` publishes what was just written without waiting for the next poll, also when it comes
 * while a pass is running (the event may have been committed after that pass's DELETE looked).
 * The poll here is a minute, so only a kick can deliver within the test's time.
 */
describe('OutboxRelay kick', () => {
  let db: TestDatabase;
  let redis: Redis;
  let queue: Queue;
  let relay: OutboxRelay;
  let orgId: string;
  const prefix = testRedisPrefix();
  const churned = (clientId: string) => appendEvents(db.pool, orgId, [{ name: EventName.ClientChurned, payload: { organizationId: orgId, clientId, episodeId: clientId } }]);

  beforeAll(async () => {
    db = await createTestDatabase();
    orgId = (await factories(db.pool).organization()).id;
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection: redis, prefix });
  });
  beforeEach(() => {
    relay = new OutboxRelay({ pool: db.pool, connection: redis, prefix, pollMs: 60_000 });
  });
  afterEach(() => relay.stop());
  afterAll(async () => {
    await queue.close();
    await redis.quit();
    await db.drop();
  });

  it('publishes at once when kicked while it waits for the next poll', async () => {
    relay.start();
    await churned('1');
    relay.kick();
    expect(await publishedEvents(db.pool, queue, EventName.ClientChurned, { clientId: '1' }, 5000)).toHaveLength(1);
  });

  it('runs another pass at once when kicked during a pass, so an event committed after that pass looked is not left for the poll', async () => {
    const pass = relay.relayOnce.bind(relay);
    let passes = 0;
    let written!: () => void;
    const kicked = new Promise<void>((resolve) => (written = resolve));
    relay.relayOnce = async () => {
      const moved = await pass();
      // The first pass has looked at the outbox; an event is committed and kicked for meanwhile.
      if (++passes === 1) {
        await churned('2');
        relay.kick();
        written();
      }
      return moved;
    };
    relay.start();
    await kicked;
    expect(await publishedEvents(db.pool, queue, EventName.ClientChurned, { clientId: '2' }, 5000)).toHaveLength(1);
    expect(passes).toBeGreaterThanOrEqual(2);
  });
});
