import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, type Job, Worker } from 'bullmq';
import { assertHandlers, jobsOfQueue, SEND_JOBS } from '@comeback/contracts';
import { CHANNELS, type Channel } from '@comeback/domain';
import { AppMetrics, INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, logBullmqErrors, REDIS, type RedisClient } from '@comeback/platform';
import { DISPATCH_OPTIONS, type DispatchOptions } from './send.tokens';
import { SendService } from './send.service';

/**
 * The longest a send job runs, in seconds: claiming the message and recording the outcome take
 * milliseconds; the provider call ends within its timeout, 10 s for Twilio and Viber and 30 s for
 * SMTP (each of nodemailer's connection, greeting and socket timeouts), and the rest allows for
 * waiting on a pool connection. The dispatcher pods' terminationGracePeriodSeconds covers it plus
 * the HTTP drain (k8s/base/dispatcher.yaml; tests/deploy checks it): a send cut mid-call is left
 * `sending` and has to be settled with the provider.
 */
export const SEND_JOB_LONGEST_SECONDS = 40;

/**
 * One BullMQ worker per channel queue, each with the channel's rate limit (shared by every
 * replica: BullMQ keeps the limiter in Redis) and DISPATCH_CONCURRENCY sends at a time. A job
 * whose message must wait for the client's allowed hours goes back to delayed, not to a retry.
 * Campaigns with nothing left to send are marked done a moment after their last message went.
 */
@Injectable()
export class SendProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SendProcessor');
  private readonly workers: Worker[] = [];

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(INFRASTRUCTURE_OPTIONS) private readonly infrastructure: InfrastructureOptions,
    @Inject(DISPATCH_OPTIONS) private readonly options: DispatchOptions,
    private readonly sends: SendService,
    private readonly metrics: AppMetrics,
  ) {
    for (const channel of CHANNELS) assertHandlers(`queue "${SEND_JOBS[channel].queue}"`, jobsOfQueue(SEND_JOBS[channel].queue), [SEND_JOBS[channel].job]);
  }

  onApplicationBootstrap(): void {
    for (const channel of CHANNELS) this.workers.push(this.workerFor(channel));
  }

  private workerFor(channel: Channel): Worker {
    const worker = new Worker(
      SEND_JOBS[channel].queue,
      async (job: Job<{ messageId: string }>, token?: string) => {
        const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        const outcome = await this.sends.send(job.data.messageId, finalAttempt);
        // Messages by channel and the status this send recorded; a wait for allowed hours and a
        // job for a message settled already are not a send.
        if (outcome.kind !== 'delayed' && outcome.kind !== 'skipped') this.metrics.recordMessage(channel, outcome.kind);
        if (outcome.kind === 'delayed') {
          await job.moveToDelayed(outcome.until.getTime(), token);
          throw new DelayedError();
        }
        return outcome;
      },
      {
        connection: this.redis,
        prefix: this.infrastructure.redisPrefix,
        concurrency: this.options.concurrency,
        limiter: { max: this.options.ratePerSecond[channel], duration: 1000 },
        // A provider call is seconds at worst; a lock lapsing means the worker is gone, and its
        // jobs are taken over at the next stalled check.
        lockDuration: this.options.lockSeconds * 1000,
        stalledInterval: this.options.lockSeconds * 1000,
      },
    );
    worker.on('failed', (job, err) => {
      if (job && job.attemptsMade < (job.opts.attempts ?? 1)) this.logger.debug(`${channel} ${job.id}: ${err.message} (will retry)`);
      else this.logger.warn(`${channel} ${job?.id} failed: ${err.message}`);
    });
    logBullmqErrors(worker, this.logger, `${channel} worker error`);
    // 'drained' fires when nothing waits, possibly while the last jobs are still running, so the
    // check runs a moment after the last completion instead (at most once a second per replica).
    worker.on('completed', () => this.checkFinishedSoon());
    worker.on('drained', () => this.checkFinishedSoon());
    return worker;
  }

  private finishTimer: NodeJS.Timeout | undefined;

  private checkFinishedSoon(): void {
    if (this.finishTimer) return;
    this.finishTimer = setTimeout(() => {
      this.finishTimer = undefined;
      this.sends.finishCampaigns().catch((err) => this.logger.warn(`finishing campaigns: ${(err as Error).message}`));
    }, 1000);
    this.finishTimer.unref();
  }

  /**
   * Finishes the sends in hand (claimed, sent, recorded) and stops taking jobs; a campaign check
   * those last sends asked for runs now rather than never (the pool closes after this).
   */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    if (this.finishTimer) {
      clearTimeout(this.finishTimer);
      this.finishTimer = undefined;
      await this.sends.finishCampaigns().catch((err) => this.logger.warn(`finishing campaigns: ${(err as Error).message}`));
    }
  }
}
