import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@comeback/platform';
import { ReportError } from './report.errors';
import {
  ORGANIZATION_TODAY, REFRESH_DAILY_SALES, REFRESH_LOCK, REFRESH_MONTHLY_SALES, REFRESH_STAFF_RETURN_MONTHS, REFRESH_VISIT_PASS, stageDailySales, UPSERT_ROLLUP_STATE,
} from './reports.sql';

/** The rollups of one organization, rebuilt together. */
const ROLLUP_TABLES = ['report_daily_sales', 'report_monthly_sales', 'report_staff_firsts', 'report_staff_return_months', 'report_active_deltas'] as const;

/**
 * Rebuilds an organization's report rollups from its visits and episodes: DELETE + INSERT ...
 * SELECT per rollup, all in one transaction, so readers see the old figures until the new ones
 * are complete. A full rebuild (two passes over the organization's visit partition: a parallel
 * aggregate for the sales, one ordered pass for retention and active clients; the monthly tiers
 * from the daily rollups) rather than an incremental one: visits can be imported late or
 * corrected, episodes change status, and a full rebuild is a few minutes at a million clients,
 * run nightly and on demand by the queue.
 */
@Injectable()
export class ReportRollupsService {
  private readonly logger = new Logger('ReportRollupsService');

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Rebuilds the rollups; returns how long it took. */
  async refresh(organizationId: string): Promise<{ seconds: number; steps: Record<string, number> }> {
    const started = performance.now();
    const client = await this.pool.connect();
    const steps: Record<string, number> = {};
    try {
      await client.query('BEGIN');
      // One rebuild of an organization at a time, across replicas: a second one waits here and
      // then starts from the first one's committed rows (its DELETE would otherwise block anyway).
      await client.query(REFRESH_LOCK, [organizationId]);
      // Big hash aggregates and sorts of one organization's visits: let them stay in memory.
      await client.query(`SET LOCAL work_mem = '256MB'`);
      const org = await client.query<{ timezone: string }>(ORGANIZATION_TODAY, [organizationId]);
      if (org.rows.length === 0) throw new ReportError('ORGANIZATION_NOT_FOUND', `organization ${organizationId} does not exist`);
      const tz = org.rows[0].timezone;
      const step = async (name: string, sql: string, params: unknown[]) => {
        const t = performance.now();
        await client.query(sql, params);
        steps[name] = (performance.now() - t) / 1000;
      };
      for (const table of ROLLUP_TABLES) await step(`delete ${table}`, `DELETE FROM ${table} WHERE organization_id = $1`, [organizationId]);
      await step('daily sales (parallel aggregate)', stageDailySales(client.escapeLiteral(organizationId), client.escapeLiteral(tz)), []);
      await step('daily sales', REFRESH_DAILY_SALES, [organizationId]);
      await step('monthly sales', REFRESH_MONTHLY_SALES, [organizationId]);
      await step('staff firsts and active deltas', REFRESH_VISIT_PASS, [organizationId, tz]);
      await step('staff return months', REFRESH_STAFF_RETURN_MONTHS, [organizationId]);
      await client.query(UPSERT_ROLLUP_STATE, [organizationId, new Date(), (performance.now() - started) / 1000]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      throw err;
    }
    try {
      // Outside the transaction (VACUUM cannot run in one): marks the new pages all-visible, so the
      // retention report reads its covering index without visiting the heap, and refreshes the
      // statistics, so the reports' plans see the new row counts at once. The deleted rows' space
      // is reused by the next refresh.
      const t = performance.now();
      await client.query(`VACUUM (ANALYZE) ${ROLLUP_TABLES.join(', ')}`);
      steps.vacuum = (performance.now() - t) / 1000;
    } catch (err) {
      this.logger.warn(`vacuum of the report rollups failed: ${(err as Error).message}`);
    } finally {
      client.release();
    }
    const seconds = (performance.now() - started) / 1000;
    await this.pool.query(`UPDATE report_rollup_state SET seconds = $2 WHERE organization_id = $1`, [organizationId, seconds]);
    this.logger.debug(`rollups of ${organizationId} rebuilt in ${seconds.toFixed(1)} s ${JSON.stringify(steps)}`);
    return { seconds, steps };
  }
}
