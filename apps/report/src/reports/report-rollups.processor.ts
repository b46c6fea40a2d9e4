import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Job, Queue, Worker } from 'bullmq';
import { assertHandlers, JobName, jobsOfQueue, type JobPayloads, QueueName, type QueueJobs } from '@comeback/contracts';
import { INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, logBullmqErrors, REDIS, type RedisClient } from '@comeback/platform';
import { ReportRollupsService } from './report-rollups.service';
import { REPORT_ROLLUPS_QUEUE, refreshJobIds } from './report-rollups.tokens';

type Handlers = { [J in QueueJobs[QueueName.ReportRollups]]: (data: JobPayloads[J]) => Promise<unknown> };

/**
 * The longest one refresh of an organization's rollups takes, in seconds: 207.8 s measured for a
 * million clients and 20,355,783 visits on the 2-core benchmark machine (README "Reports", the
 * rollup refresh row, VACUUM included), with about half as much again for a database busy with
 * other work.
 */
export const ROLLUP_REFRESH_SECONDS = 300;

/**
 * The longest a refresh job runs, in seconds: a job taken while another replica rebuilds the same
 * organization (the `-next` job id) first waits for that refresh's advisory lock, then does its
 * own. The report pods' terminationGracePeriodSeconds covers it plus the HTTP drain
 * (k8s/base/report.yaml; tests/deploy checks it), so a rolling update does not cut a refresh.
 */
export const ROLLUP_JOB_LONGEST_SECONDS = 2 * ROLLUP_REFRESH_SECONDS;

/**
 * The worker of the report-rollups queue: one refresh at a time per replica (a refresh is a few
 * heavy statements on the database; running several at once only makes each slower). Refuses to
 * start when the queue's jobs in the contract and the handlers below differ.
 */
@Injectable()
export class ReportRollupsProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('ReportRollupsProcessor');
  private worker: Worker | undefined;
  private closing: Promise<void> | undefined;

  private readonly handlers: Handlers = {
    [JobName.RefreshReportRollups]: async ({ organizationId }) => this.rollups.refresh(organizationId),
  };

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(INFRASTRUCTURE_OPTIONS) private readonly infrastructure: InfrastructureOptions,
    @Inject(REPORT_ROLLUPS_QUEUE) private readonly queue: Queue,
    private readonly rollups: ReportRollupsService,
  ) {
    assertHandlers(`queue "${QueueName.ReportRollups}"`, jobsOfQueue(QueueName.ReportRollups), Object.keys(this.handlers));
  }

  /**
   * Enqueues a refresh of the organization's rollups; returns the job id. While a refresh waits,
   * requests coalesce into it (same id); while one runs, a request queues one more under the
   * other id, so data that arrived during a refresh is always picked up by a later one.
   */
  async request(organizationId: string): Promise<string> {
    const ids = refreshJobIds(organizationId);
    // free: no job under the id (removed, or finished and not yet removed); running; or pending
    // (waiting, delayed for a retry, prioritized), which a new request joins.
    const kinds = await Promise.all(
      ids.map(async (id) => {
        const state = (await this.queue.getJob(id))?.getState();
        const s = state === undefined ? 'unknown' : await state;
        return s === 'unknown' || s === 'completed' || s === 'failed' ? 'free' : s === 'active' ? 'running' : 'pending';
      }),
    );
    const pending = ids[kinds.indexOf('pending')];
    if (pending) return pending;
    const free = ids[kinds.indexOf('free')] ?? ids[0];
    const job = await this.queue.add(
      JobName.RefreshReportRollups,
      { organizationId },
      { jobId: free, attempts: 3, backoff: { type: 'exponential', delay: 30_000 }, removeOnComplete: true, removeOnFail: true },
    );
    return job.id!;
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker(
      QueueName.ReportRollups,
      (job: Job) => (this.handlers[job.name as keyof Handlers] as (data: unknown) => Promise<unknown>)(job.data),
      {
        connection: this.redis,
        prefix: this.infrastructure.redisPrefix,
        concurrency: 1,
        // A refresh of a million-client organization takes minutes; the lock must outlive it.
        lockDuration: ROLLUP_JOB_LONGEST_SECONDS * 1000,
      },
    );
    this.worker.on('failed', (job, err) => this.logger.warn(`${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`));
    logBullmqErrors(this.worker, this.logger, 'worker error');
  }

  /**
   * Stops taking refreshes as soon as SIGTERM comes, so none starts while the HTTP server drains;
   * the one in hand goes on meanwhile (it is one transaction: cut, it would be redone from the
   * start once its lock lapsed).
   */
  beforeApplicationShutdown(): void {
    this.closing ??= this.worker?.close().catch((err: Error) => this.logger.warn(`closing the worker: ${err.message}`));
  }

  /** Waits for the refresh in hand to commit, before the pools close. */
  async onApplicationShutdown(): Promise<void> {
    this.closing ??= this.worker?.close();
    await this.closing;
  }
}
