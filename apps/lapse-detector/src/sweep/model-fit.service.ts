import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { readNumberColumns } from './copy-numbers.reader';
import { fitBgNbd } from '@comeback/lapse-model';
import { PG_POOL } from '@comeback/platform';

/**
 * Fits the BG/NBD model on an organization's whole history, in days. The summaries (x, t_x, T)
 * come grouped by their distinct values from SQL, so the optimizer sees each combination once
 * with its count as weight: far fewer rows than clients, and nothing per client in JavaScript;
 * they stream in by COPY straight into typed arrays.
 * After the first sweep the rhythms table already holds each client's first and last visit day;
 * before it, the summaries are computed from the visits.
 */
@Injectable()
export class ModelFitService {
  private readonly logger = new Logger('ModelFit');

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async fit(organizationId: string, asOf: string, db?: PoolClient): Promise<string | null> {
    const client = db ?? (await this.pool.connect());
    try {
      return await this.fitWith(client, organizationId, asOf);
    } finally {
      if (!db) client.release();
    }
  }

  private async fitWith(db: PoolClient, organizationId: string, asOf: string): Promise<string | null> {
    const started = process.hrtime.bigint();
    const fromRhythms = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM client_rhythms WHERE organization_id = $1) AS any`, [organizationId]);
    // COPY takes no parameters: both values are quoted as literals (and come from our own rows).
    const org = db.escapeLiteral(organizationId);
    const day = `${db.escapeLiteral(asOf)}::date`;
    const [x, tx, t, weight] = await readNumberColumns(
      db,
      fromRhythms.rows[0].any
        ? `SELECT visit_days - 1 AS x, last_visit_on - first_visit_on AS tx, ${day} - first_visit_on AS t, count(*) AS n
             FROM client_rhythms WHERE organization_id = ${org} AND first_visit_on <= ${day} GROUP BY 1, 2, 3`
        : `WITH d AS (
             SELECT v.client_id, (v.visited_at AT TIME ZONE o.timezone)::date AS day
               FROM visits v JOIN organizations o ON o.id = v.organization_id
              WHERE v.organization_id = ${org} GROUP BY 1, 2
           ), c AS (
             SELECT count(*) - 1 AS x, max(day) - min(day) AS tx, ${day} - min(day) AS t FROM d WHERE day <= ${day} GROUP BY client_id
           )
           SELECT x, tx, t, count(*) AS n FROM c GROUP BY 1, 2, 3`,
      4,
    );
    let clients = 0;
    let repeaters = 0;
    for (let i = 0; i < x.length; i++) {
      clients += weight[i];
      if (x[i] > 0) repeaters++;
      // A client whose first visit is today has T = 0; half a day keeps the likelihood finite.
      if (t[i] < 0.5) t[i] = 0.5;
    }
    if (repeaters === 0) {
      this.logger.warn(`organization ${organizationId}: no repeat visits to fit BG/NBD on`);
      return null;
    }
    const fit = fitBgNbd({ x, tx, T: t, weight });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const inserted = await db.query<{ id: string }>(
      `INSERT INTO lapse_model_fits (organization_id, as_of, r, alpha, a, b, log_likelihood, clients, seconds)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [organizationId, asOf, fit.r, fit.alpha, fit.a, fit.b, fit.logLikelihood, clients, seconds],
    );
    this.logger.log(
      `organization ${organizationId}: BG/NBD r=${fit.r.toFixed(4)} alpha=${fit.alpha.toFixed(3)} a=${fit.a.toFixed(4)} b=${fit.b.toFixed(4)} on ${clients} clients (${x.length} distinct summaries) in ${seconds.toFixed(2)} s${fit.converged ? '' : ' (not converged)'}`,
    );
    return inserted.rows[0].id;
  }
}
