import type { Pool, PoolClient } from 'pg';

/**
 * Where the reason list's functions run: a Pool (each function that writes more than one statement
 * opens its own transaction) or a PoolClient inside the caller's transaction (BEGIN … COMMIT is the
 * caller's: the reply intake records a reason together with the reply it came with).
 */
export type Queryable = Pool | PoolClient;

function isClient(db: Queryable): db is PoolClient {
  return 'release' in db;
}

/** Runs `work` in a transaction: the caller's when given a client, else one of its own. */
export async function inTransaction<T>(db: Queryable, work: (tx: Queryable) => Promise<T>): Promise<T> {
  if (isClient(db)) return work(db);
  const tx = await db.connect();
  try {
    await tx.query('BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}

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
