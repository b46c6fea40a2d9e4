import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Job, Worker } from 'bullmq';
import { assertHandlers, JobName, jobsOfQueue, type JobPayloads, QueueName, type QueueJobs } from '@comeback/contracts';
import { INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, logBullmqErrors, REDIS, type RedisClient } from '@comeback/platform';
import { FallbackService } from './fallback.service';
import { FanOutService } from './fan-out.service';

/** A job run again after a failure or a crash (a stalled job is started again without a failed attempt). */
const retried = (job: Job) => job.attemptsMade > 0 || job.attemptsStarted > 1;

type Handlers = { [J in QueueJobs[QueueName.Campaigns]]: (data: JobPayloads[J], job: Job) => Promise<unknown> };

/**
 * The longest a campaigns job runs, in seconds: the fan-out of a campaign to every client of a
 * million-client organization. Measured (README "Campaigns"): 9.5-13.5 s for 100,000 recipients,
 * 31.5 s for 300,000 (the audience is read in batches, so time grows with it), about 105 s for a
 * million. The fallback sweep is shorter. The campaign pods' terminationGracePeriodSeconds covers
 * it plus the HTTP drain (k8s/base/campaign.yaml; tests/deploy checks it), and the job's lock
 * outlives it.
 */
export const CAMPAIGN_JOB_LONGEST_SECONDS = 120;

/**
 * The worker of the campaigns queue: starts a campaign when its (delayed) start job comes due, and
 * runs the channel fallback sweep each time its scheduler enqueues it. A job retried after a crash
 * restarts the fan-out or the sweep, which re-enqueue what they had written and left queued.
 */
@Injectable()
export class CampaignsProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CampaignsProcessor');
  private worker: Worker | undefined;

  private readonly handlers: Handlers = {
    [JobName.StartCampaign]: ({ campaignId }, job) => this.fanOut.start(campaignId, retried(job)),
    [JobName.FallbackSweep]: (_data, job) => this.fallback.sweep(retried(job)),
  };

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(INFRASTRUCTURE_OPTIONS) private readonly infrastructure: InfrastructureOptions,
    private readonly fanOut: FanOutService,
    private readonly fallback: FallbackService,
  ) {
    assertHandlers(`queue "${QueueName.Campaigns}"`, jobsOfQueue(QueueName.Campaigns), Object.keys(this.handlers));
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker(
      QueueName.Campaigns,
      (job: Job) => (this.handlers[job.name as keyof Handlers] as (data: unknown, job: Job) => Promise<unknown>)(job.data, job),
      { connection: this.redis, prefix: this.infrastructure.redisPrefix, concurrency: 1, lockDuration: CAMPAIGN_JOB_LONGEST_SECONDS * 1000 },
    );
    this.worker.on('failed', (job, err) => this.logger.warn(`${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`));
    logBullmqErrors(this.worker, this.logger, 'worker error');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
