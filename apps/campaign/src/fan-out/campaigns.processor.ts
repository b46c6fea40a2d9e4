import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Job, Worker } from 'bullmq';
import type Redis from 'ioredis';
import { assertHandlers, JobName, jobsOfQueue, type JobPayloads, QueueName, type QueueJobs } from '@comeback/contracts';
import { INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, REDIS } from '@comeback/platform';
import { FanOutService } from './fan-out.service';

type Handlers = { [J in QueueJobs[QueueName.Campaigns]]: (data: JobPayloads[J], job: Job) => Promise<unknown> };

/**
 * The worker of the campaigns queue: starts a campaign when its (delayed) start job comes due.
 * A job retried after a crash restarts the fan-out, which re-enqueues what is still queued.
 */
@Injectable()
export class CampaignsProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CampaignsProcessor');
  private worker: Worker | undefined;

  private readonly handlers: Handlers = {
    [JobName.StartCampaign]: ({ campaignId }, job) => this.fanOut.start(campaignId, job.attemptsMade > 0 || job.attemptsStarted > 1),
  };

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(INFRASTRUCTURE_OPTIONS) private readonly infrastructure: InfrastructureOptions,
    private readonly fanOut: FanOutService,
  ) {
    assertHandlers(`queue "${QueueName.Campaigns}"`, jobsOfQueue(QueueName.Campaigns), Object.keys(this.handlers));
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker(
      QueueName.Campaigns,
      (job: Job) => (this.handlers[job.name as keyof Handlers] as (data: unknown, job: Job) => Promise<unknown>)(job.data, job),
      { connection: this.redis, prefix: this.infrastructure.redisPrefix, concurrency: 1, lockDuration: 120_000 },
    );
    this.worker.on('failed', (job, err) => this.logger.warn(`${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`));
    this.worker.on('error', (err) => this.logger.warn(`worker error: ${err.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
