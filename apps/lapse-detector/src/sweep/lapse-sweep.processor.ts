import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type Job, Worker } from 'bullmq';
import { assertHandlers, JobName, jobsOfQueue, type JobPayloads, QueueName, type QueueJobs } from '@comeback/contracts';
import { OutboxRelayService } from '@comeback/events';
import { INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, logBullmqErrors, REDIS, type RedisClient } from '@comeback/platform';
import { SweepChunkService } from './sweep-chunk.service';
import { SweepPlannerService } from './sweep-planner.service';
import { LAPSE_CONFIG, type SweepConfig } from './sweep.tokens';

type Handlers = { [J in QueueJobs[QueueName.LapseSweep]]: (data: JobPayloads[J]) => Promise<unknown> };

/**
 * Seconds a chunk job may take per client it scores. Measured (README "The lapse sweep"): a first
 * sweep of 1,000,000 clients in 51.1 s, 20 chunks of 50,000 two at a time on 2 cores shared with
 * PostgreSQL and the outbox relay, so about 5 s a chunk. Allowed: 60 s per 50,000 clients, for a
 * database busy with other organizations' sweeps, the call list the last chunk builds in its
 * transaction, and a redelivered copy waiting on the chunk row's lock.
 */
const CHUNK_SECONDS_PER_CLIENT = 60 / 50_000;

/** The plan job (BG/NBD fit: 2.7 s at a million clients, then the chunk rows) and the nightly job stay under this. */
const PLAN_JOB_LONGEST_SECONDS = 30;

/**
 * The longest a lapse-sweep job runs, in seconds, with chunks of `chunkClients` clients
 * (LAPSE_CHUNK_CLIENTS): 60 s at the default 50,000. A lapse-detector pod's
 * terminationGracePeriodSeconds covers it plus the HTTP drain (k8s/base/lapse-detector.yaml;
 * tests/deploy checks it with the deployed LAPSE_CHUNK_CLIENTS), so a rolling update lets the
 * chunks in hand commit instead of cutting them.
 */
export function sweepJobLongestSeconds(chunkClients: number): number {
  return Math.max(PLAN_JOB_LONGEST_SECONDS, Math.ceil(chunkClients * CHUNK_SECONDS_PER_CLIENT));
}

/**
 * The worker of the lapse-sweep queue. Each replica runs one with LAPSE_WORKER_CONCURRENCY
 * slots, so the chunks of a big sweep spread over every replica and core. Refuses to start when
 * the queue's jobs in the contract and the handlers below differ.
 */
@Injectable()
export class LapseSweepProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LapseSweepProcessor');
  private worker: Worker | undefined;

  private readonly handlers: Handlers = {
    [JobName.NightlySweep]: async ({ organizationId }) => this.planner.request(organizationId, 'nightly'),
    [JobName.PlanSweep]: async ({ sweepId }) => this.planner.plan(sweepId),
    [JobName.SweepChunk]: async ({ sweepId, chunkIndex }) => {
      const outcome = await this.chunks.run(sweepId, chunkIndex);
      if (outcome.events > 0) this.relay.kick();
      return outcome;
    },
  };

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(INFRASTRUCTURE_OPTIONS) private readonly infrastructure: InfrastructureOptions,
    @Inject(LAPSE_CONFIG) private readonly config: SweepConfig,
    private readonly planner: SweepPlannerService,
    private readonly chunks: SweepChunkService,
    private readonly relay: OutboxRelayService,
  ) {
    assertHandlers(`queue "${QueueName.LapseSweep}"`, jobsOfQueue(QueueName.LapseSweep), Object.keys(this.handlers));
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker(
      QueueName.LapseSweep,
      (job: Job) => (this.handlers[job.name as keyof Handlers] as (data: unknown) => Promise<unknown>)(job.data),
      {
        connection: this.redis,
        prefix: this.infrastructure.redisPrefix,
        concurrency: this.config.LAPSE_WORKER_CONCURRENCY,
        // A 50,000-client chunk takes seconds; a lock this long survives a busy event loop.
        lockDuration: 120_000,
      },
    );
    this.worker.on('failed', (job, err) => {
      this.logger.warn(`${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`);
      // Out of retries: say so on the sweep, where staff look (GET .../lapse-sweeps/:id), rather than
      // leave it "running" for ever. The job itself stays in the failed set.
      const sweepId = (job?.data as { sweepId?: string } | undefined)?.sweepId;
      if (job && sweepId && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        void this.planner.markFailed(sweepId, `${job.name} gave up after ${job.attemptsMade} attempts: ${err.message}`).catch(() => undefined);
      }
    });
    logBullmqErrors(this.worker, this.logger, 'worker error');
  }

  /**
   * Finishes the chunks in hand (each is one transaction), then stops taking jobs. Before the
   * application shutdown hooks, so the outbox relay (stopped in those) is still running while the
   * last chunks commit, and publishes their events before the process exits.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
