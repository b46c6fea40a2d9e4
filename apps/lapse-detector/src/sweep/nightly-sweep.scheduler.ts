import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { JobName } from '@comeback/contracts';
import { parseLapseSettings } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { LAPSE_CONFIG, LAPSE_QUEUE, type SweepConfig } from './sweep.tokens';

const SCHEDULER_PREFIX = 'nightly-sweep:';

/**
 * Keeps one BullMQ job scheduler per organization, firing at its sweep time in its own timezone.
 * Crons only enqueue. `upsertJobScheduler` is idempotent, so every replica can run this sync:
 * there is still one scheduler per organization and one job per tick, and the nightly sweep row
 * is unique per local date besides. Schedulers of deleted organizations are removed.
 */
@Injectable()
export class NightlySweepScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('NightlySweepScheduler');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LAPSE_QUEUE) private readonly queue: Queue,
    @Inject(LAPSE_CONFIG) private readonly config: SweepConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sync().catch((err) => this.logger.warn(`scheduler sync failed: ${(err as Error).message}`));
    this.timer = setInterval(
      () => void this.sync().catch((err) => this.logger.warn(`scheduler sync failed: ${(err as Error).message}`)),
      this.config.LAPSE_SCHEDULER_SYNC_SECONDS * 1000,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Brings the schedulers in line with the organizations; returns how many exist afterwards. */
  async sync(): Promise<number> {
    const { rows } = await this.pool.query<{ id: string; timezone: string; lapse_settings: unknown }>(
      `SELECT id, timezone, lapse_settings FROM organizations`,
    );
    const wanted = new Set<string>();
    for (const org of rows) {
      let sweepTime = '03:00';
      try {
        sweepTime = parseLapseSettings(org.lapse_settings).sweepTime;
      } catch (err) {
        this.logger.warn(`organization ${org.id}: ${(err as Error).message}; nightly sweep at 03:00`);
      }
      const [hour, minute] = sweepTime.split(':').map(Number);
      const id = `${SCHEDULER_PREFIX}${org.id}`;
      wanted.add(id);
      await this.queue.upsertJobScheduler(
        id,
        { pattern: `0 ${minute} ${hour} * * *`, tz: org.timezone },
        { name: JobName.NightlySweep, data: { organizationId: org.id }, opts: { attempts: 5, backoff: { type: 'exponential', delay: 60_000 } } },
      );
    }
    for (const scheduler of await this.queue.getJobSchedulers(0, -1)) {
      if (scheduler.key.startsWith(SCHEDULER_PREFIX) && !wanted.has(scheduler.key)) await this.queue.removeJobScheduler(scheduler.key);
    }
    return wanted.size;
  }
}
