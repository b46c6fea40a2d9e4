import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { fitBgNbd } from '@comeback/lapse-model';
import { PG_POOL } from '@comeback/platform';

/**
 * Fits the BG/NBD model on an organization's whole history, in days. The summaries (x, t_x, T)
 * come grouped by their distinct values from SQL, so the optimizer sees each combination once
 * with its count as weight: far fewer rows than clients, and nothing per client in JavaScript.
 * After the first sweep the rhythms table already holds each client's first and last visit day;
 * before it, the summaries are computed from the visits.
 */
@Injectable()
export class ModelFitService {
  private readonly logger = new Logger('ModelFit');

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async fit(organizationId: string, asOf: string, db: PoolClient | Pool = this.pool): Promise<string | null> {
    const started = process.hrtime.bigint();
    const fromRhythms = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM client_rhythms WHERE organization_id = $1) AS any`, [organizationId]);
    const { rows } = await db.query<{ x: number; tx: number; t: number; n: string }>(
      fromRhythms.rows[0].any
        ? `SELECT visit_days - 1 AS x, last_visit_on - first_visit_on AS tx, $2::date - first_visit_on AS t, count(*) AS n
             FROM client_rhythms WHERE organization_id = $1 AND first_visit_on <= $2::date GROUP BY 1, 2, 3`
        : `WITH d AS (
             SELECT v.client_id, (v.visited_at AT TIME ZONE o.timezone)::date AS day
               FROM visits v JOIN organizations o ON o.id = v.organization_id
              WHERE v.organization_id = $1 GROUP BY 1, 2
           ), c AS (
             SELECT count(*) - 1 AS x, max(day) - min(day) AS tx, $2::date - min(day) AS t FROM d WHERE day <= $2::date GROUP BY client_id
           )
           SELECT x::int, tx, t, count(*) AS n FROM c GROUP BY 1, 2, 3`,
      [organizationId, asOf],
    );
    const clients = rows.reduce((sum, r) => sum + Number(r.n), 0);
    if (rows.length === 0 || rows.every((r) => r.x === 0)) {
      this.logger.warn(`organization ${organizationId}: no repeat visits to fit BG/NBD on`);
      return null;
    }
    const x = new Float64Array(rows.length);
    const tx = new Float64Array(rows.length);
    const T = new Float64Array(rows.length);
    const weight = new Float64Array(rows.length);
    rows.forEach((r, i) => {
      x[i] = r.x;
      tx[i] = r.tx;
      // A client whose first visit is today has T = 0; half a day keeps the likelihood finite.
      T[i] = Math.max(r.t, 0.5);
      weight[i] = Number(r.n);
    });
    const fit = fitBgNbd({ x, tx, T, weight });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const inserted = await db.query<{ id: string }>(
      `INSERT INTO lapse_model_fits (organization_id, as_of, r, alpha, a, b, log_likelihood, clients, seconds)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [organizationId, asOf, fit.r, fit.alpha, fit.a, fit.b, fit.logLikelihood, clients, seconds],
    );
    this.logger.log(
      `organization ${organizationId}: BG/NBD r=${fit.r.toFixed(4)} alpha=${fit.alpha.toFixed(3)} a=${fit.a.toFixed(4)} b=${fit.b.toFixed(4)} on ${clients} clients (${rows.length} distinct summaries) in ${seconds.toFixed(2)} s${fit.converged ? '' : ' (not converged)'}`,
    );
    return inserted.rows[0].id;
  }
}
