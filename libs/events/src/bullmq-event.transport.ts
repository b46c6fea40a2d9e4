import { Logger } from '@nestjs/common';
import { BaseRpcContext, type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { type Job, Worker } from 'bullmq';
import { lastValueFrom } from 'rxjs';
import { assertHandlers, EVENT_SUBSCRIPTIONS, type EventConsumer, eventQueueName, type EventEnvelope } from '@comeback/contracts';
import { logBullmqErrors, type RedisClient } from '@comeback/platform';

/** What an `@EventPattern` handler can read with `@Ctx()`: the BullMQ job (attempt number, etc.). */
export class BullMqEventContext extends BaseRpcContext<[Job]> {
  get job(): Job {
    return this.args[0];
  }
}

export interface BullMqEventTransportOptions {
  consumer: EventConsumer;
  connection: RedisClient;
  prefix: string;
  concurrency?: number;
}

/**
 * A @nestjs/microservices transport that receives events from the consumer's own durable BullMQ
 * queue (filled by the outbox relay) instead of Redis pub/sub, which drops events nobody is
 * listening to. An event published while this consumer is down waits in its queue; a handler that
 * throws is retried with backoff, and one that keeps failing stays in the failed set.
 *
 * At `listen` it refuses to start unless there is exactly one `@EventPattern` handler for each
 * event the consumer subscribes to in the contract, and none for anything else.
 */
export class BullMqEventTransport extends Server implements CustomTransportStrategy {
  private worker: Worker | undefined;
  private readonly log: Logger;

  constructor(private readonly options: BullMqEventTransportOptions) {
    super();
    this.log = new Logger(`events.${options.consumer}`);
  }

  listen(callback: (err?: unknown) => void): void {
    try {
      assertHandlers(`consumer "${this.options.consumer}"`, EVENT_SUBSCRIPTIONS[this.options.consumer], this.registeredPatterns());
    } catch (err) {
      callback(err);
      return;
    }
    this.worker = new Worker(eventQueueName(this.options.consumer), (job: Job<EventEnvelope>) => this.handle(job), {
      connection: this.options.connection,
      prefix: this.options.prefix,
      concurrency: this.options.concurrency ?? 4,
    });
    this.worker.on('failed', (job, err) =>
      this.log.warn(`event ${job?.data.id} "${job?.name}" failed (attempt ${job?.attemptsMade}): ${err.message}`),
    );
    logBullmqErrors(this.worker, this.log, 'worker error');
    callback();
  }

  private async handle(job: Job<EventEnvelope>): Promise<void> {
    const handler = this.getHandlerByPattern(job.name);
    // Unreachable after the start-up check, unless the queue holds an event from a newer version.
    if (!handler) throw new Error(`no handler for event "${job.name}"`);
    const result = await handler(job.data, new BullMqEventContext([job]));
    await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  }

  /** One entry per handler: Nest chains a second handler of the same pattern behind the first. */
  private registeredPatterns(): string[] {
    const patterns: string[] = [];
    for (const [pattern, handler] of this.messageHandlers) {
      for (let h: MessageHandler | undefined = handler; h; h = h.next) patterns.push(pattern);
    }
    return patterns;
  }

  on(): never {
    throw new Error('BullMqEventTransport has no event listeners; use the worker logs');
  }

  unwrap<T>(): T {
    return this.worker as T;
  }

  async close(): Promise<void> {
    // Lets the job in hand finish (no event left half-handled), then stops taking new ones.
    await this.worker?.close();
  }
}
