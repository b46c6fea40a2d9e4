import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type Job, Worker } from 'bullmq';
import type { Pool } from 'pg';
import { assertHandlers, JobName, jobsOfQueue, QueueName, type InboundPayload } from '@comeback/contracts';
import { OutboxRelayService } from '@comeback/events';
import { INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, logBullmqErrors, PG_POOL, REDIS, type RedisClient } from '@comeback/platform';
import { FeedbackRecorder } from '../feedback/feedback-recorder.service';
import { FEEDBACK_SOURCE } from '../feedback/feedback-submission';
import { TextRepliesService, type ReplyChannel } from '../replies/text-replies.service';
import type { InboundOutcome } from './inbound-outcome';

/**
 * What handles each source's requests, given the inbound_requests row id (the reply's idempotency
 * anchor): says how many events it wrote, and why the request wrote nothing, if so (kept on its row).
 */
type SourceHandler = (requestId: string, payload: Record<string, unknown>, receivedAt: Date) => Promise<InboundOutcome>;

const wrote = (events: number): InboundOutcome => ({ note: null, events });

export const INBOUND_PROCESSING_OPTIONS = Symbol('INBOUND_PROCESSING_OPTIONS');

/**
 * The longest an inbound job runs, in seconds: one transaction of a dozen statements, measured at
 * 250-280 jobs/s with two at a time (README "Webhooks and the feedback page under load": under
 * 10 ms each); the rest allows for row locks and a busy database. The worker pods'
 * terminationGracePeriodSeconds covers it plus the HTTP drain (k8s/base/response-collector-worker.yaml;
 * tests/deploy checks it).
 */
export const INBOUND_JOB_LONGEST_SECONDS = 10;

export interface InboundProcessingOptions {
  /** Requests one worker process handles at once (INBOUND_CONCURRENCY): each holds one PostgreSQL connection for its transaction. */
  concurrency: number;
}

/**
 * The worker of the inbound queue. Each request is first written to inbound_requests (unique per
 * source and key: a retried callback finds its row), then handled once: a request already
 * processed is skipped. If PostgreSQL is down the job fails and is retried with backoff until it
 * is back (INBOUND_JOB_OPTIONS).
 */
@Injectable()
export class InboundProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('InboundProcessor');
  private worker: Worker | undefined;
  private readonly sources: Record<string, SourceHandler>;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(INFRASTRUCTURE_OPTIONS) private readonly infrastructure: InfrastructureOptions,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(INBOUND_PROCESSING_OPTIONS) private readonly options: InboundProcessingOptions,
    private readonly relay: OutboxRelayService,
    replies: TextRepliesService,
    feedback: FeedbackRecorder,
  ) {
    assertHandlers(`queue "${QueueName.Inbound}"`, jobsOfQueue(QueueName.Inbound), [JobName.ProcessInbound]);
    this.sources = {
      'twilio-sms': async (id, p, at) =>
        wrote(
          await replies.handle({ organizationId: String(p.organizationId), channel: 'sms', from: typeof p.From === 'string' ? p.From : null, text: typeof p.Body === 'string' ? p.Body : '', requestId: id, receivedAt: at }),
        ),
      'twilio-status': async (_id, p) => ({ note: await replies.handleTwilioStatus(p), events: 0 }),
      viber: async (id, p, at) => wrote(await replies.handleViber(id, p, at)),
      'twilio-voice': (id, p, at) => replies.handleKeypad(id, p, at),
      // A reply staff wrote in the sandbox inbox, as the client would have sent it: the same path as a real one.
      sandbox: async (id, p, at) =>
        wrote(await replies.handle({ organizationId: String(p.organizationId), channel: p.channel as ReplyChannel, from: String(p.from), text: String(p.text ?? ''), requestId: id, receivedAt: at })),
      // An answer the feedback page took (a personal link's form).
      [FEEDBACK_SOURCE]: (_id, p) => feedback.record(p),
    };
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker(QueueName.Inbound, (job: Job<InboundPayload>) => this.process(job.data), {
      // The app's connection (BullMQ duplicates it for the blocking reads and closes those itself).
      connection: this.redis,
      prefix: this.infrastructure.redisPrefix,
      concurrency: this.options.concurrency,
    });
    this.worker.on('failed', (job, err) => this.logger.warn(`inbound ${job?.id}: ${err.message} (attempt ${job?.attemptsMade})`));
    logBullmqErrors(this.worker, this.logger, 'inbound worker error');
  }

  /**
   * Finishes the requests in hand (each is one transaction), then stops taking jobs. Before the
   * application shutdown hooks, so the outbox relay (stopped in those) is still running while the
   * last replies and answers commit, and publishes their events before the process exits.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  /** Records the request (once) and handles it (once). Exposed for tests. */
  async process(data: InboundPayload): Promise<'processed' | 'duplicate'> {
    const handler = this.sources[data.source];
    if (!handler) throw new Error(`no handler for inbound source "${data.source}"`);
    const { rows } = await this.pool.query<{ id: string; status: string }>(
      `WITH ins AS (
         INSERT INTO inbound_requests (source, idempotency_key, payload, received_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (source, idempotency_key) DO NOTHING RETURNING id::text, status)
       SELECT id, status FROM ins
       UNION ALL SELECT id::text, status FROM inbound_requests WHERE source = $1 AND idempotency_key = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
      [data.source, data.key, data.payload, data.receivedAt],
    );
    const request = rows[0];
    if (request.status === 'processed') {
      this.logger.debug(`inbound ${data.source} request ${request.id}: processed already`);
      return 'duplicate';
    }
    try {
      const { note, events } = await handler(request.id, data.payload, new Date(data.receivedAt));
      // Committed with the reply or answer: the relay publishes them now rather than at its next poll.
      if (events > 0) this.relay.kick();
      await this.pool.query(`UPDATE inbound_requests SET status = 'processed', processed_at = now(), attempts = attempts + 1, error = $2 WHERE id = $1`, [
        request.id,
        note,
      ]);
      // With the job's correlation id (the webhook's or the feedback page's request id), like every line it writes.
      this.logger.debug(`inbound ${data.source} request ${request.id}: processed`);
      return 'processed';
    } catch (err) {
      await this.pool
        .query(`UPDATE inbound_requests SET attempts = attempts + 1, error = $2 WHERE id = $1`, [request.id, (err as Error).message.slice(0, 1000)])
        .catch(() => undefined);
      throw err;
    }
  }
}
