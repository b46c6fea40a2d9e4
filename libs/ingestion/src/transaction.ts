import type { Pool, PoolClient } from 'pg';
import type { OrgContext } from './chunk-writer';
import { KIND_SPECS, type RecordKind } from './record-kinds';
import { stagingDdl } from './upsert-statements';

/**
 * Runs `work` in one transaction set up for bulk upserts: generous memory for the joins and
 * sorts of a chunk, the organization's time zone for timestamps without an offset, and the
 * staging tables (temporary: unlogged, private to the session, dropped at commit).
 * Rolls back on any error, or when `work` returns false.
 */
export async function inIngestionTransaction<T>(
  pool: Pool,
  org: OrgContext,
  kinds: readonly RecordKind[],
  work: (db: PoolClient) => Promise<{ commit: boolean; result: T }>,
): Promise<T> {
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    // maintenance_work_mem: a first load rebuilds its indexes, and sorts in memory are far faster.
    await db.query(
      `SELECT set_config('TimeZone', $1, true), set_config('work_mem', '128MB', true), set_config('maintenance_work_mem', '1GB', true)`,
      [org.timezone],
    );
    for (const kind of kinds) await db.query(stagingDdl(KIND_SPECS[kind]));
    const { commit, result } = await work(db);
    await db.query(commit ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    db.release();
  }
}
