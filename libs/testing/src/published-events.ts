import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import type { EventEnvelope, EventName, EventPayloads } from '@comeback/contracts';
import { waitFor } from './wait-for';

/**
 * The `name` events whose payload holds `match` (e.g. `{ clientId }`) that a running outbox relay
 * has published to one consumer's queue (pass `new Queue(eventQueueName(consumer), { connection,
 * prefix })` with the test's Redis prefix), as the consumer receives them, oldest first. It first
 * waits until the outbox holds none of them: the relay adds an event's jobs before its delete
 * commits, so once the rows are gone every job is in the queue, and a count read here does not
 * race the relay. Call it once the writes are done (`collector.settled()`, an awaited request);
 * with no relay running it times out saying what it waited for.
 */
export async function publishedEvents<E extends EventName>(
  pool: Pool,
  queue: Queue,
  name: E,
  match: Partial<EventPayloads[E]> = {},
  timeoutMs = 20_000,
): Promise<EventEnvelope<E>[]> {
  await waitFor(
    `the outbox relay to publish the ${name} events with ${JSON.stringify(match)}`,
    async () => (await pool.query(`SELECT 1 FROM outbox_events WHERE name = $1 AND payload @> $2::jsonb LIMIT 1`, [name, JSON.stringify(match)])).rowCount === 0,
    timeoutMs,
  );
  const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
  const matches = (payload: Record<string, unknown>) => Object.entries(match).every(([key, value]) => JSON.stringify(payload[key]) === JSON.stringify(value));
  return jobs
    .filter((job) => job !== undefined) // removed between the listing and the read
    .map((job) => job.data as EventEnvelope<E>)
    .filter((event) => event.name === name && matches(event.payload as unknown as Record<string, unknown>))
    .sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
}
