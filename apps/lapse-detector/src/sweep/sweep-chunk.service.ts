import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { generateCallList } from '@comeback/call-list';
import { expectedTransactions } from '@comeback/lapse-model';
import { AppMetrics, currentCorrelation, PG_POOL } from '@comeback/platform';
import type { LapseSettings } from '@comeback/domain';
import { bindNamed, SqlIdentifier } from './named-sql';
import {
  BGNBD_SUMMARIES_SQL, CHUNK_PAYMENTS_SQL, CHUNK_SCORE_SQL, CHUNK_STATS_FULL_SQL, CHUNK_STATS_INCREMENTAL_SQL,
  CLOSE_RETURNED_SQL, ESCALATE_LAPSED_SQL, EXPECTED_VISITS_SQL, OPEN_EPISODES_SQL, UPSERT_RHYTHMS_SQL,
} from './sweep-chunk.sql';

interface SweepRow {
  id: string;
  organization_id: string;
  kind: 'full' | 'incremental';
  as_of: string;
  since: Date | null;
  settings: LapseSettings;
  timezone: string;
  r: number | null;
  alpha: number | null;
  a: number | null;
  b: number | null;
  tier1_revenue: string | null;
  tier2_revenue: string | null;
}

/** "The next period" of the BG/NBD expectation shown on the card. */
const EXPECTED_VISITS_DAYS = 90;

export interface ChunkOutcome {
  /** False when the chunk had already been done (a redelivered job). */
  ran: boolean;
  clientsScored: number;
  events: number;
  /** True when this chunk was the sweep's last. */
  sweepFinished: boolean;
}

/**
 * Scores one chunk of a sweep: the statements of sweep-chunk.sql.ts in one transaction, together
 * with the chunk's done mark and the sweep's counters. A job redelivered after a crash either
 * finds the chunk done (the transaction committed) or redoes it from scratch (it rolled back):
 * episodes, rhythms and events are written exactly once either way.
 */
@Injectable()
export class SweepChunkService {
  private readonly logger = new Logger('SweepChunk');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly metrics: AppMetrics,
  ) {}

  async run(sweepId: string, chunkIndex: number): Promise<ChunkOutcome> {
    const started = performance.now();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // The per-client aggregates and the payments join of a 50,000-client chunk stay in memory.
      await client.query(`SET LOCAL work_mem = '128MB'`);
      // Each statement runs once over a chunk; compiling it (JIT) costs more than it saves.
      await client.query(`SET LOCAL jit = off`);
      const chunk = await client.query<{ first_client_id: string; last_client_id: string; done_at: Date | null }>(
        `SELECT first_client_id, last_client_id, done_at FROM lapse_sweep_chunks WHERE sweep_id = $1 AND chunk_index = $2 FOR UPDATE`,
        [sweepId, chunkIndex],
      );
      if (chunk.rowCount === 0 || chunk.rows[0].done_at) {
        await client.query('ROLLBACK');
        return { ran: false, clientsScored: 0, events: 0, sweepFinished: false };
      }
      const sweep = await this.loadSweep(client, sweepId);
      const params = this.params(sweep, chunk.rows[0].first_client_id, chunk.rows[0].last_client_id);
      const timings: string[] = [];
      // Each step's time goes to the debug log: where a slow sweep spends it.
      const exec = async (step: string, sql: string) => {
        const { text, values } = bindNamed(sql, params);
        const stepStarted = performance.now();
        const result = await client.query(text, values);
        timings.push(`${step} ${Math.round(performance.now() - stepStarted)} ms`);
        return result;
      };
      await exec('stats', sweep.kind === 'incremental' ? CHUNK_STATS_INCREMENTAL_SQL : CHUNK_STATS_FULL_SQL);
      await exec('payments', CHUNK_PAYMENTS_SQL);
      const scored = await exec('score', CHUNK_SCORE_SQL);
      if (sweep.settings.method === 'bgnbd') await this.expectedVisits(client, sweep, params);
      // Temporary tables have no statistics until analysed; without them the planner guesses a
      // handful of rows and joins the episodes by nested loops that grow with the organization.
      await client.query('ANALYZE sweep_scored');
      await exec('rhythms', UPSERT_RHYTHMS_SQL);
      // The episode statements look up each chunk client's episodes. During an organization's first
      // sweep the table's statistics still say "empty" while other chunks are filling it, and the
      // planner then scans it once per client (48 s for one chunk at a million clients). An index
      // lookup per client is the right plan at every size, so table scans are ruled out here.
      await client.query('SET LOCAL enable_seqscan = off');
      const returned = (await exec('returned', CLOSE_RETURNED_SQL)).rowCount ?? 0;
      const lapsed = (await exec('lapsed', ESCALATE_LAPSED_SQL)).rowCount ?? 0;
      const opened = (await exec('opened', OPEN_EPISODES_SQL)).rowCount ?? 0;
      const events = returned + lapsed + opened;
      const clientsScored = scored.rowCount ?? 0;

      await client.query(`UPDATE lapse_sweep_chunks SET done_at = now(), clients_scored = $3 WHERE sweep_id = $1 AND chunk_index = $2`, [
        sweepId, chunkIndex, clientsScored,
      ]);
      // The row lock on the sweep orders the chunks' counter updates: exactly one chunk sees the
      // count reach the total, and marks the sweep done in the same transaction.
      const progress = await client.query<{ chunks_done: number; chunks_total: number }>(
        `UPDATE lapse_sweeps SET chunks_done = chunks_done + 1, clients_scored = clients_scored + $2, events_emitted = events_emitted + $3
          WHERE id = $1 RETURNING chunks_done, chunks_total`,
        [sweepId, clientsScored, events],
      );
      const sweepFinished = progress.rows[0].chunks_done === progress.rows[0].chunks_total;
      const finished = sweepFinished ? await this.finish(client, sweep) : null;
      const committing = performance.now();
      await client.query('COMMIT');
      if (finished) this.metrics.recordSweep(finished.kind, finished.seconds);
      timings.push(`commit ${Math.round(performance.now() - committing)} ms`, `total ${Math.round(performance.now() - started)} ms`);
      this.logger.debug(`sweep ${sweepId} chunk ${chunkIndex}: ${clientsScored} clients, ${events} events; ${timings.join(', ')}`);
      return { ran: true, clientsScored, events, sweepFinished };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * BG/NBD expected visits in the next 90 days for the chunk's clients: one read of their
   * summaries, the conditional expectation (paper eq. 10) in the service, one write back.
   */
  private async expectedVisits(client: PoolClient, sweep: SweepRow, params: Record<string, unknown>): Promise<void> {
    const read = bindNamed(BGNBD_SUMMARIES_SQL, params);
    const { rows } = await client.query<{ client_id: string; x: number; tx: number; t: number }>(read.text, read.values);
    const model = { r: sweep.r!, alpha: sweep.alpha!, a: sweep.a!, b: sweep.b! };
    const expected = rows.map((row) => expectedTransactions(model, EXPECTED_VISITS_DAYS, row.x, row.tx, Math.max(row.t, 0.5)));
    const write = bindNamed(EXPECTED_VISITS_SQL, { clientIds: rows.map((row) => row.client_id), expected });
    await client.query(write.text, write.values);
  }

  /**
   * The last chunk marks the sweep done and, in the same transaction, tops up this win-back
   * cycle's call list from the episodes the sweep just wrote (libs/call-list), so a finished sweep
   * has its list.
   */
  async finish(client: PoolClient, sweep: Pick<SweepRow, 'id' | 'organization_id'>): Promise<{ kind: string; seconds: number }> {
    // Its kind and duration (planned to done) for the sweep-duration metric, recorded once committed.
    const { rows } = await client.query<{ kind: string; seconds: number }>(
      `UPDATE lapse_sweeps SET status = 'done', finished_at = clock_timestamp() WHERE id = $1
        RETURNING kind, extract(epoch FROM finished_at - coalesce(started_at, requested_at))::float8 AS seconds`,
      [sweep.id],
    );
    // A call list that cannot be built must not keep the sweep from finishing: it rolls back to the
    // savepoint alone, is logged, and the next sweep or the console's "top up" builds it.
    await client.query('SAVEPOINT call_list');
    try {
      const calls = await generateCallList(client, sweep.organization_id);
      await client.query('RELEASE SAVEPOINT call_list');
      this.logger.log(
        `sweep ${sweep.id} done; call list ${calls.cycle}: ${calls.carried} carried over, ${calls.closed} closed, ${calls.managers} added for managers, ${calls.retention} for the retention team`,
      );
    } catch (err) {
      await client.query('ROLLBACK TO SAVEPOINT call_list');
      this.logger.error(`sweep ${sweep.id} done, but its call list was not built: ${(err as Error).message}`);
    }
    return rows[0];
  }

  private async loadSweep(client: PoolClient, sweepId: string): Promise<SweepRow> {
    const { rows } = await client.query<SweepRow>(
      `SELECT s.id, s.organization_id, s.kind, to_char(s.as_of, 'YYYY-MM-DD') AS as_of, s.since, s.settings, o.timezone,
              s.tier1_revenue, s.tier2_revenue,
              f.r, f.alpha, f.a, f.b
         FROM lapse_sweeps s JOIN organizations o ON o.id = s.organization_id
         LEFT JOIN lapse_model_fits f ON f.id = s.model_fit_id
        WHERE s.id = $1`,
      [sweepId],
    );
    return rows[0];
  }

  private params(sweep: SweepRow, lo: string, hi: string): Record<string, unknown> {
    const { cadence, bgnbd, method, paymentSignalDays } = sweep.settings;
    if (method === 'bgnbd' && sweep.r === null) throw new Error(`sweep ${sweep.id} uses BG/NBD but has no model fit`);
    return {
      org: sweep.organization_id, lo, hi, asOf: sweep.as_of, tz: sweep.timezone,
      // The organization's own partition (named by the foundation migration's convention).
      visits: new SqlIdentifier(`visits_${sweep.organization_id.replace(/-/g, '')}`),
      incremental: sweep.kind === 'incremental', since: sweep.since,
      rhythmWindow: cadence.rhythmWindow, gapFloorDays: cadence.gapFloorDays, minVisits: cadence.minVisits,
      minTenureDays: cadence.minTenureDays, atRiskFactor: cadence.atRiskFactor, lapsedFactor: cadence.lapsedFactor,
      gradualRatio: cadence.gradualRatio, method,
      r: sweep.r, alpha: sweep.alpha, a: sweep.a, b: sweep.b,
      atRiskBelow: bgnbd.atRiskBelow, lapsedBelow: bgnbd.lapsedBelow, paymentSignalDays,
      tier1Revenue: sweep.tier1_revenue, tier2Revenue: sweep.tier2_revenue,
      // Into the events' payloads: their consumers log under the chunk job's correlation id.
      correlationId: currentCorrelation()?.correlationId ?? null,
    };
  }
}
