import type { Pool } from 'pg';
import { fanOutLockKey } from './send-jobs';

/**
 * Marks done the running campaigns for which `settled` (SQL over the campaign row `alias`) holds.
 * The campaigns are locked by a first statement and checked again by a second, whose snapshot is
 * taken once it holds them: a single UPDATE could mark done a campaign whose fallbacks the sweep
 * committed while it waited for the row. A campaign another transaction holds is left for the next
 * check, and so is one whose fan-out holds its lock (fanOutLockKey). Used by the dispatcher (after
 * sends) and the campaign app's fallback sweep, each with its own idea of "settled".
 */
export async function finishSettledCampaigns(pool: Pool, alias: string, settled: string): Promise<number> {
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    const { rows } = await db.query<{ id: string }>(`SELECT ${alias}.id::text FROM campaigns ${alias} WHERE ${alias}.status = 'running' AND ${settled} FOR UPDATE SKIP LOCKED`);
    let finished = 0;
    if (rows.length) {
      const { rowCount } = await db.query(
        `UPDATE campaigns ${alias} SET status = 'done', finished_at = now(), updated_at = now()
          WHERE ${alias}.id = ANY($1::bigint[]) AND ${alias}.status = 'running' AND ${settled} AND pg_try_advisory_xact_lock(${fanOutLockKey(`${alias}.id`)})`,
        [rows.map((r) => r.id)],
      );
      finished = rowCount ?? 0;
    }
    await db.query('COMMIT');
    return finished;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    db.release();
  }
}
