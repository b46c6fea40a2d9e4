import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Pool, PoolClient } from 'pg';
import { JobName, type JobPayloads } from '@comeback/contracts';
import { parseLapseSettings, type LapseSettings, type SweepTrigger } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { ModelFitService } from './model-fit.service';
import { bindNamed } from './named-sql';
import { VALUE_TIER_CUTS_SQL } from './sweep-chunk.sql';
import { SweepError } from './sweep.errors';
import { LAPSE_CONFIG, LAPSE_QUEUE, type SweepConfig } from './sweep.tokens';

/**
 * The instant before which every recorded row is visible to a sweep planned now: the start of the
 * oldest transaction still open (a row's created_at is its transaction's start, and a long import
 * that began before the sweep commits after it), or now. The next incremental sweep re-reads rows
 * recorded from there on, so nothing committed late is missed, with no guessed margin.
 */
const COVERS_BEFORE_SQL = `
SELECT least(clock_timestamp(), min(xact_start)) AS covers_before FROM pg_stat_activity
 WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`;

/** JSON with keys sorted at every level: jsonb does not keep the key order it was given. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([p], [q]) => (p < q ? -1 : 1))) : v,
  );
}

export interface SweepSummary {
  id: string;
  organizationId: string;
  kind: string;
  trigger: string;
  status: string;
  asOf: string;
  chunksTotal: number;
  chunksDone: number;
  clientsScored: number;
  eventsEmitted: number;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
}

/**
 * Creates sweeps and splits them into chunks. A sweep row is written first (unique per
 * organization and local date for nightly sweeps, so replicas agree on one), then the plan job
 * decides full or incremental, fits the model when due, writes the chunks and enqueues one job
 * per chunk (job id = sweep and chunk, so a repeated plan enqueues nothing twice).
 */
@Injectable()
export class SweepPlannerService {
  private readonly logger = new Logger('SweepPlanner');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LAPSE_QUEUE) private readonly queue: Queue,
    @Inject(LAPSE_CONFIG) private readonly config: SweepConfig,
    private readonly modelFit: ModelFitService,
  ) {}

  /**
   * Requests a sweep for the organization's current local date. Nightly requests for a date that
   * already has one return null (another replica, or a repeated scheduler tick, got there first).
   */
  async request(organizationId: string, trigger: SweepTrigger, options: { full?: boolean } = {}): Promise<string | null> {
    const org = await this.pool.query<{ as_of: string }>(
      `SELECT to_char((now() AT TIME ZONE timezone)::date, 'YYYY-MM-DD') AS as_of FROM organizations WHERE id = $1`,
      [organizationId],
    );
    if (org.rowCount === 0) throw new SweepError('ORGANIZATION_NOT_FOUND', `organization ${organizationId} does not exist`);
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO lapse_sweeps (organization_id, kind, "trigger", as_of) VALUES ($1, $2, $3, $4)
       ON CONFLICT (organization_id, as_of) WHERE "trigger" = 'nightly' DO NOTHING RETURNING id`,
      [organizationId, options.full ? 'full' : 'incremental', trigger, org.rows[0].as_of],
    );
    if (rows.length === 0) return null;
    const sweepId = rows[0].id;
    await this.enqueue(JobName.PlanSweep, { sweepId }, `plan-${sweepId}`);
    return sweepId;
  }

  /** The plan job. Safe to run again: a running sweep only has its unfinished chunks re-enqueued. */
  async plan(sweepId: string): Promise<void> {
    const client = await this.pool.connect();
    let chunks: number[] = [];
    try {
      await client.query('BEGIN');
      const sweep = await client.query<{ organization_id: string; status: string; kind: string; as_of: string; lapse_settings: unknown }>(
        `SELECT s.organization_id, s.status, s.kind, to_char(s.as_of, 'YYYY-MM-DD') AS as_of, o.lapse_settings
           FROM lapse_sweeps s JOIN organizations o ON o.id = s.organization_id WHERE s.id = $1 FOR UPDATE OF s`,
        [sweepId],
      );
      if (sweep.rowCount === 0) throw new SweepError('SWEEP_NOT_FOUND', `sweep ${sweepId} does not exist`);
      const row = sweep.rows[0];
      if (row.status === 'running') {
        const pending = await client.query<{ chunk_index: number }>(
          `SELECT chunk_index FROM lapse_sweep_chunks WHERE sweep_id = $1 AND done_at IS NULL ORDER BY chunk_index`,
          [sweepId],
        );
        chunks = pending.rows.map((r) => r.chunk_index);
      } else if (row.status === 'planned') {
        chunks = await this.planChunks(client, sweepId, row);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (err instanceof SweepError && err.code === 'INVALID_SETTINGS') await this.markFailed(sweepId, err.message);
      throw err;
    } finally {
      client.release();
    }
    for (const chunkIndex of chunks) await this.enqueue(JobName.SweepChunk, { sweepId, chunkIndex }, `sweep-${sweepId}-${chunkIndex}`);
  }

  private async planChunks(
    client: PoolClient,
    sweepId: string,
    sweep: { organization_id: string; kind: string; as_of: string; lapse_settings: unknown },
  ): Promise<number[]> {
    let settings: LapseSettings;
    try {
      settings = parseLapseSettings(sweep.lapse_settings);
    } catch (err) {
      throw new SweepError('INVALID_SETTINGS', (err as Error).message);
    }
    const previous = await client.query<{ covers_before: Date; settings: unknown; model_fit_id: string | null }>(
      `SELECT covers_before, settings, model_fit_id FROM lapse_sweeps
        WHERE organization_id = $1 AND status = 'done' AND covers_before IS NOT NULL ORDER BY covers_before DESC LIMIT 1`,
      [sweep.organization_id],
    );
    const last = previous.rows[0];
    // A sweep is full when asked, the first time, or when the rules changed since the last one.
    let full = sweep.kind === 'full' || !last || canonicalJson(last.settings) !== canonicalJson(settings);
    let modelFitId: string | null = null;
    if (settings.method === 'bgnbd') {
      const current = await client.query<{ id: string; fresh: boolean }>(
        `SELECT id, fitted_at > now() - make_interval(days => $2) AS fresh FROM lapse_model_fits
          WHERE organization_id = $1 ORDER BY fitted_at DESC LIMIT 1`,
        [sweep.organization_id, settings.bgnbd.refitDays],
      );
      if (current.rows[0]?.fresh) {
        modelFitId = current.rows[0].id;
      } else {
        modelFitId = await this.modelFit.fit(sweep.organization_id, sweep.as_of, client);
        if (!modelFitId) throw new SweepError('INVALID_SETTINGS', 'BG/NBD needs repeat visits to fit; there are none yet (use the cadence method)');
      }
      // New parameters move every client's P(alive): everyone is re-scored.
      if (modelFitId !== last?.model_fit_id) full = true;
    }
    const ranges = await client.query<{ first_id: string; last_id: string }>(
      `SELECT min(id) AS first_id, max(id) AS last_id
         FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / $2 AS chunk FROM clients WHERE organization_id = $1) c
        GROUP BY chunk ORDER BY chunk`,
      [sweep.organization_id, this.config.LAPSE_CHUNK_CLIENTS],
    );
    await client.query(
      `INSERT INTO lapse_sweep_chunks (sweep_id, chunk_index, first_client_id, last_client_id)
       SELECT $1, ord - 1, f, l FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS t(f, l, ord)`,
      [sweepId, ranges.rows.map((r) => r.first_id), ranges.rows.map((r) => r.last_id)],
    );
    const since = full ? null : last.covers_before;
    const cutsQuery = bindNamed(VALUE_TIER_CUTS_SQL, { org: sweep.organization_id });
    const cuts = (await client.query<{ tier1: number | null; tier2: number | null }>(cutsQuery.text, cutsQuery.values)).rows[0];
    const coversBefore = (await client.query<{ covers_before: Date }>(COVERS_BEFORE_SQL)).rows[0].covers_before;
    await client.query(
      `UPDATE lapse_sweeps SET status = $2, kind = $3, since = $4, settings = $5, model_fit_id = $6, chunks_total = $7, covers_before = $8,
              tier1_revenue = $9, tier2_revenue = $10, started_at = clock_timestamp(), finished_at = CASE WHEN $7 = 0 THEN clock_timestamp() END
        WHERE id = $1`,
      [sweepId, ranges.rowCount === 0 ? 'done' : 'running', full ? 'full' : 'incremental', since, JSON.stringify(settings), modelFitId, ranges.rowCount, coversBefore, cuts.tier1, cuts.tier2],
    );
    this.logger.log(`sweep ${sweepId}: ${full ? 'full' : 'incremental'}, ${ranges.rowCount} chunks`);
    return ranges.rows.map((_, i) => i);
  }

  /** Marks a sweep failed (a job out of retries, settings that cannot be used); done sweeps stay done. */
  async markFailed(sweepId: string, message: string): Promise<void> {
    await this.pool.query(`UPDATE lapse_sweeps SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status <> 'done'`, [sweepId, message]);
  }

  async get(organizationId: string, sweepId: string): Promise<SweepSummary> {
    const { rows } = await this.pool.query<SweepSummary>(
      `SELECT id, organization_id AS "organizationId", kind, "trigger", status, to_char(as_of, 'YYYY-MM-DD') AS "asOf",
              chunks_total AS "chunksTotal", chunks_done AS "chunksDone", clients_scored AS "clientsScored",
              events_emitted AS "eventsEmitted", requested_at AS "requestedAt", started_at AS "startedAt",
              finished_at AS "finishedAt", error
         FROM lapse_sweeps WHERE id = $2 AND organization_id = $1`,
      [organizationId, sweepId],
    );
    if (rows.length === 0) throw new SweepError('SWEEP_NOT_FOUND', `sweep ${sweepId} does not exist in this organization`);
    return rows[0];
  }

  private async enqueue<J extends JobName>(name: J, data: JobPayloads[J], jobId: string): Promise<void> {
    await this.queue.add(name, data, {
      jobId,
      attempts: 8,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: false,
    });
  }
}
