import type { Pool, PoolClient } from 'pg';

/**
 * Where the reason list's functions run: a Pool (each function that writes more than one statement
 * opens its own transaction) or a PoolClient inside the caller's transaction (BEGIN … COMMIT is the
 * caller's: the reply intake records a reason together with the reply it came with).
 */
export type Queryable = Pool | PoolClient;

/** Runs `work` in a transaction: the caller's when given a client, else one of its own. */
export { inTransaction } from '@comeback/domain';

/**
 * Serialises changes to one organization's reason list until the transaction ends (setEpisodeReason
 * takes it too, before the episode's row), so two staff members cannot create the same reason
 * twice or merge into a reason being merged away.
 */
export async function lockReasonList(tx: Queryable, organizationId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('churn_reasons:' || $1, 0))`, [organizationId]);
}

/** An id as PostgreSQL's bigint takes it; anything else names no row (and must not reach a query as a syntax error). */
export function isRowId(id: string): boolean {
  return /^[1-9][0-9]{0,17}$/.test(id);
}
