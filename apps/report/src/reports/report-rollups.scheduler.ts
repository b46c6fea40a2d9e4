import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { JobName } from '@comeback/contracts';
import { parseLapseSettings } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { REPORT_ROLLUPS_QUEUE } from './report-rollups.tokens';

const SCHEDULER_PREFIX = 'report-rollups:';
/** How often the schedulers are brought in line with the organizations (new ones, changed sweep times). */
const SYNC_SECONDS = 300;
/**
 * Minutes after the organization's nightly lapse sweep: the rollups subtract gone clients, so
 * they are rebuilt once the night's episodes are written (a sweep of a million clients takes
 * about a minute; an hour and a half leaves room for a slow night).
 */
const AFTER_SWEEP_MINUTES = 90;

/**
 * Keeps one BullMQ job scheduler per organization that rebuilds its report rollups nightly, in
 * its own timezone. Crons only enqueue; `upsertJobScheduler` is idempotent, so every replica can
 * run this sync and there is still one scheduler per organization and one job per night.
 * Schedulers of deleted organizations are removed.
 */
@Injectable()
export class ReportRollupsScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ReportRollupsScheduler');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REPORT_ROLLUPS_QUEUE) private readonly queue: Queue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const sync = () => this.sync().catch((err) => this.logger.warn(`scheduler sync failed: ${(err as Error).message}`));
    await sync();
    this.timer = setInterval(() => void sync(), SYNC_SECONDS * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Brings the schedulers in line with the organizations; returns how many exist afterwards. */
  async sync(): Promise<number> {
    const { rows } = await this.pool.query<{ id: string; timezone: string; lapse_settings: unknown }>(`SELECT id, timezone, lapse_settings FROM organizations`);
    const wanted = new Set<string>();
    for (const org of rows) {
      let sweepTime = '03:00';
      try {
        sweepTime = parseLapseSettings(org.lapse_settings).sweepTime;
      } catch {
        // The lapse detector warns about bad settings; the rollups just keep the default night.
      }
      const [hour, minute] = sweepTime.split(':').map(Number);
      const at = (hour * 60 + minute + AFTER_SWEEP_MINUTES) % (24 * 60);
      const id = `${SCHEDULER_PREFIX}${org.id}`;
      wanted.add(id);
      await this.queue.upsertJobScheduler(
        id,
        { pattern: `0 ${at % 60} ${Math.floor(at / 60)} * * *`, tz: org.timezone },
        { name: JobName.RefreshReportRollups, data: { organizationId: org.id }, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } } },
      );
    }
    for (const scheduler of await this.queue.getJobSchedulers(0, -1)) {
      if (scheduler.key.startsWith(SCHEDULER_PREFIX) && !wanted.has(scheduler.key)) await this.queue.removeJobScheduler(scheduler.key);
    }
    return wanted.size;
  }
}
