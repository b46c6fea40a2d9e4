import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { CAMPAIGNS_QUEUE } from '@comeback/campaigns';
import { JobName, type JobPayloads } from '@comeback/contracts';

/** The job scheduler's id: one for the whole deployment, whatever the number of replicas. */
export const FALLBACK_SWEEP_SCHEDULER = 'campaign-fallback-sweep';
/** How often the fallback sweep runs: a refused message gets its fallback within about this long. */
export const FALLBACK_SWEEP_EVERY_MS = 60_000;
/** How often the scheduler is upserted again (it comes back if Redis lost it). */
const SYNC_MS = 10 * 60_000;

/**
 * Keeps the BullMQ job scheduler that enqueues the channel fallback sweep every minute. Crons only
 * enqueue; `upsertJobScheduler` is idempotent (and an `every` schedule is aligned to the clock), so
 * every replica can run this and there is still one sweep job per minute.
 */
@Injectable()
export class FallbackSweepScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('FallbackSweepScheduler');
  private timer: NodeJS.Timeout | undefined;

  constructor(@Inject(CAMPAIGNS_QUEUE) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    const sync = () => this.sync().catch((err) => this.logger.warn(`fallback sweep scheduler: ${(err as Error).message}`));
    await sync();
    this.timer = setInterval(() => void sync(), SYNC_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sync(): Promise<void> {
    const data: JobPayloads[JobName.FallbackSweep] = {};
    await this.queue.upsertJobScheduler(
      FALLBACK_SWEEP_SCHEDULER,
      { every: FALLBACK_SWEEP_EVERY_MS },
      { name: JobName.FallbackSweep, data, opts: { attempts: 3, backoff: { type: 'exponential', delay: 10_000 }, removeOnComplete: true, removeOnFail: true } },
    );
  }
}
