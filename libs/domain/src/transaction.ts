import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` in a transaction: the caller's, when given a client already in one (BEGIN … COMMIT
 * are then the caller's), else one of its own on a connection from the pool, rolled back when
 * `work` throws.
 */
export async function inTransaction<T>(db: Pool | PoolClient, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  if ('release' in db) return work(db);
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
