import type { Pool, PoolClient } from 'pg';
import type { EventConsumer } from '@comeback/contracts';

/**
 * Runs `work` once per (consumer, event): the receipt and the work commit together, so a
 * redelivered event (relay retry, worker killed after the commit) finds its receipt and does
 * nothing. Returns false when the event had already been handled.
 */
export async function handleEventOnce(
  pool: Pool,
  consumer: EventConsumer,
  eventId: string,
  work: (tx: PoolClient) => Promise<void>,
): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rowCount } = await client.query(
      `INSERT INTO event_receipts (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [consumer, eventId],
    );
    if (rowCount === 0) {
      await client.query('ROLLBACK');
      return false;
    }
    await work(client);
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
