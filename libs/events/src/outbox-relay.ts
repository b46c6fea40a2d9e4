import { Logger } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import type { Pool } from 'pg';
import { consumersOf, EventConsumer, eventQueueName, type EventEnvelope, type EventName } from '@comeback/contracts';
import { logBullmqErrors, type RedisClient } from '@comeback/platform';
import { withTimeout } from '@comeback/connectivity';

export interface OutboxRelayOptions {
  pool: Pool;
  connection: RedisClient;
  /** BullMQ key prefix (REDIS_PREFIX). */
  prefix: string;
  batchSize?: number;
  /** How often to look for new events when nobody calls `kick()`. */
  pollMs?: number;
  /** How long one batch's adds may take before it is rolled back (ADD_TIMEOUT_MS). */
  addTimeoutMs?: number;
  /** How long after a `kick()` the pass starts (KICK_DELAY_MS), so the events written meanwhile go with it. */
  kickDelayMs?: number;
}

/**
 * Delivery options of every event job. Retries back off exponentially for about nine hours in all
 * (1 s, 2 s, … 4.5 h), which outlasts a database or deploy outage; a job that still fails stays in
 * the queue's failed set (never removed), where `npx comeback events failed` and the logs show it.
 */
export const EVENT_JOB_OPTIONS: JobsOptions = {
  attempts: 15,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
  removeOnFail: false,
};

/**
 * How long after a kick the relay looks, by default. Under load the inbound worker writes an event
 * every few milliseconds and kicks each time; a pass per kick was a transaction and a Redis write
 * per event, which cost the worker a quarter of its throughput (the load bench's drain went from
 * 138 s to 183-204 s). Waiting this long gathers them into one pass; an event waits at most this
 * much longer to reach its consumers.
 */
const KICK_DELAY_MS = 50;

/** How long one batch's adds may take, by default, before the batch is rolled back and tried again. */
const ADD_TIMEOUT_MS = 10_000;

/** ioredis states after a connection was lost (before the first connection, an add simply waits for it). */
const REDIS_DOWN = new Set(['reconnecting', 'close', 'end']);

class RedisNotReadyError extends Error {
  constructor(status: string) {
    super(`Redis is not connected (${status}): the events wait in the outbox`);
  }
}

/**
 * Moves events from the PostgreSQL outbox into each subscribed consumer's BullMQ queue.
 *
 * Guarantee: at least once. Rows are taken out of the outbox (`DELETE … FOR UPDATE SKIP LOCKED`,
 * so replicas share the work), added to the queues, and the transaction commits only then: if
 * Redis refuses, the rows come back. If the process dies between the add and the commit, the
 * rows are sent again; the job id (`evt-<id>`) makes BullMQ
 * ignore a copy while the first is still kept, and consumers record receipts, so a copy changes
 * nothing. Redis keeps queued events while a consumer is down (AOF in production).
 */
export class OutboxRelay {
  private readonly logger = new Logger('OutboxRelay');
  private readonly queues = new Map<EventConsumer, Queue>();
  private running = false;
  private loop: Promise<void> | undefined;
  /** Ends the wait between passes within `ms` (never later than it would have ended anyway). */
  private wake: ((ms: number) => void) | undefined;
  /** `kick()` came while a pass was running: the events it announced may have missed that pass, so look again at once. */
  private kicked = false;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly addTimeoutMs: number;
  private readonly kickDelayMs: number;
  /** Passes in a row that could not publish (an outage), so it is logged once, not every poll. */
  private failedPasses = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 2000;
    this.pollMs = options.pollMs ?? 1000;
    this.addTimeoutMs = options.addTimeoutMs ?? ADD_TIMEOUT_MS;
    this.kickDelayMs = options.kickDelayMs ?? KICK_DELAY_MS;
  }

  private queue(consumer: EventConsumer): Queue {
    let queue = this.queues.get(consumer);
    if (!queue) {
      queue = logBullmqErrors(new Queue(eventQueueName(consumer), { connection: this.options.connection, prefix: this.options.prefix }), this.logger);
      this.queues.set(consumer, queue);
    }
    return queue;
  }

  /**
   * Publishes one batch; returns how many events it moved. While Redis's connection is lost it does not
   * start: the batch's transaction would hold its rows and stay open (idle in transaction, holding
   * back vacuum) for as long as the outage lasts, since BullMQ's connection queues the add until
   * Redis is back. An add that takes longer than `addTimeoutMs` (a hung server) rolls the batch
   * back; if it lands after all, the job ids make the next pass's copies no-ops.
   */
  async relayOnce(): Promise<number> {
    if (REDIS_DOWN.has(this.options.connection.status)) throw new RedisNotReadyError(this.options.connection.status);
    const client = await this.options.pool.connect();
    // A checked-out client whose server goes away emits 'error' on itself (no query may be running:
    // the batch may be waiting on Redis); unheard, that would end the process. The batch then
    // fails on its next query, and the broken connection is discarded, not returned to the pool.
    let broken: Error | undefined;
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string; organization_id: string; name: EventName; payload: EventEnvelope['payload']; created_at: Date }>(
        `DELETE FROM outbox_events WHERE id IN (SELECT id FROM outbox_events ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, organization_id, name, payload, created_at`,
        [this.batchSize],
      );
      if (rows.length > 0) {
        const perConsumer = new Map<EventConsumer, { name: string; data: EventEnvelope; opts: JobsOptions }[]>();
        for (const row of rows) {
          // The correlation id of the work that wrote the event goes on the envelope, where the
          // consumer's worker reads it; named even when undefined, so the relay's own (a request
          // or job it may run in) is not added when the event was written without one.
          const { correlationId, ...payload } = row.payload;
          const envelope: EventEnvelope = { id: row.id, name: row.name, occurredAt: row.created_at.toISOString(), payload, correlationId };
          const consumers = consumersOf(row.name);
          if (consumers.length === 0) this.logger.warn(`event ${row.id} "${row.name}" has no subscriber; marked published`);
          for (const consumer of consumers) {
            const jobs = perConsumer.get(consumer) ?? [];
            jobs.push({ name: row.name, data: envelope, opts: { ...EVENT_JOB_OPTIONS, jobId: `evt-${row.id}` } });
            perConsumer.set(consumer, jobs);
          }
        }
        for (const [consumer, jobs] of perConsumer) await withTimeout(this.queue(consumer).addBulk(jobs), this.addTimeoutMs, `adding events to Redis took longer than ${this.addTimeoutMs / 1000} s`);
      }
      await client.query('COMMIT');
      return rows.length;
    } catch (err) {
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** Publishes until the outbox is empty. */
  async drain(): Promise<number> {
    let total = 0;
    for (let n = await this.relayOnce(); n > 0; n = await this.relayOnce()) total += n;
    return total;
  }

  /** Runs in the background until `stop()`; `kick()` makes it look now instead of at the next poll. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let moved = 0;
        this.kicked = false;
        try {
          moved = await this.relayOnce();
          if (this.failedPasses > 0) this.logger.log(`outbox relay resumed after ${this.failedPasses} passes that could not publish`);
          this.failedPasses = 0;
        } catch (err) {
          // PostgreSQL or Redis away: the events stay in the outbox; try again at the next poll.
          // Said once per outage, not at every poll; a lost Redis connection below warn, since the
          // connection watch already warns of it (one line per outage, whoever else uses Redis).
          if (this.failedPasses++ === 0) {
            const line = `outbox relay paused: ${(err as Error).message}`;
            if (err instanceof RedisNotReadyError) this.logger.log(line);
            else this.logger.warn(line);
          }
        }
        // A full batch means more may be waiting; so may a kick that came during a pass that
        // worked (not one that failed: the outage is still there, wait for the poll).
        if (this.running && moved < this.batchSize) await this.pause(this.kicked && this.failedPasses === 0 ? this.kickDelayMs : this.pollMs);
      }
    })();
  }

  /** Waits `ms` before the next pass, or less when woken (`wake`). */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const endsAt = Date.now() + ms;
      let timer = setTimeout(done, ms);
      const relay = this;
      function done(): void {
        clearTimeout(timer);
        relay.wake = undefined;
        resolve();
      }
      this.wake = (within) => {
        if (Date.now() + within >= endsAt) return;
        clearTimeout(timer);
        timer = setTimeout(done, within);
      };
    });
  }

  /** Events were just written: look for them within the kick delay rather than at the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.(this.kickDelayMs);
  }

  /**
   * Stops the loop, then publishes what is left (events written while it was stopping, e.g. by the
   * last chunk of a draining worker), so a graceful stop leaves nothing for another replica to find.
   * If that fails, the events stay in the outbox for the next relay.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.(0);
    await this.loop;
    await this.drain().catch((err) => this.logger.warn(`outbox relay stopped with events left for the next one: ${(err as Error).message}`));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
