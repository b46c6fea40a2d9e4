import { Queue } from 'bullmq';
import Redis from 'ioredis';
import type { Pool } from 'pg';
import { QueueName, SEND_JOBS, sendJobId } from '@comeback/contracts';
import { factories } from '@comeback/testing';

/**
 * A running SMS campaign to `size` clients, written by SQL as the fan-out leaves it (messages
 * queued, one send job each with the fan-out's options), so the fault hits the dispatch itself.
 * The organization lets texts go at any hour and uses the sandbox provider, which records every
 * send in sandbox_messages: the count per message is what each client got.
 */
export async function queuedCampaign(pool: Pool, redisUrl: string, prefix: string, size: number): Promise<string> {
  const org = await factories(pool).organization({ timezone: 'UTC' });
  await pool.query(`UPDATE organizations SET messaging_settings = '{"allowedHours": {"from": "00:00", "to": "23:59"}}' WHERE id = $1`, [org.id]);
  const campaignId = (
    await pool.query<{ id: string }>(
      `INSERT INTO campaigns (organization_id, name, status, template_key, channels, fanned_out_at) VALUES ($1, 'Fault test', 'running', 'ask', '{sms}', now()) RETURNING id::text`,
      [org.id],
    )
  ).rows[0].id;
  await pool.query(
    `INSERT INTO clients (organization_id, external_id, name, phone) SELECT $1, 'c' || i, 'Client ' || i, '+9955' || lpad(i::text, 8, '0') FROM generate_series(1, $2) i`,
    [org.id, size],
  );
  const { rows: ids } = await pool.query<{ id: string }>(
    `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content)
     SELECT $1, $2, c.id, 'sms', c.phone, 'en', jsonb_build_object('text', 'Why did you leave, ' || c.name || '?') FROM clients c WHERE c.organization_id = $1
     RETURNING id::text`,
    [org.id, campaignId],
  );
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.SendSms, { connection, prefix });
  try {
    for (let i = 0; i < ids.length; i += 1000) {
      await queue.addBulk(
        ids.slice(i, i + 1000).map(({ id }) => ({
          name: SEND_JOBS.sms.job,
          data: { messageId: id },
          opts: { jobId: sendJobId(id), attempts: 6, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: true },
        })),
      );
    }
  } finally {
    await queue.close();
    await connection.quit();
  }
  return campaignId;
}

/** How many of the campaign's messages are in the given statuses. */
export async function messagesIn(pool: Pool, campaignId: string, statuses: string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND status = ANY($2)`, [campaignId, statuses]);
  return rows[0].n;
}

/** Where a campaign's messages ended: counts by status and what the provider got. */
export interface CampaignOutcome {
  byStatus: Record<string, number>;
  /** Messages not settled (still queued or sending) or marked sent with no send at the provider. */
  lost: number;
  /** Sends beyond the first, over every message (a client texted twice counts once per extra text). */
  duplicated: number;
  /** Messages the provider got exactly once. */
  sentOnce: number;
}

export async function campaignOutcome(pool: Pool, campaignId: string): Promise<CampaignOutcome> {
  const { rows } = await pool.query<{ status: string; sends: number; n: number }>(
    `SELECT m.status, coalesce(s.n, 0)::int AS sends, count(*)::int AS n
       FROM messages m LEFT JOIN (SELECT message_id, count(*) AS n FROM sandbox_messages WHERE direction = 'out' GROUP BY 1) s ON s.message_id = m.id
      WHERE m.campaign_id = $1 GROUP BY 1, 2`,
    [campaignId],
  );
  const byStatus: Record<string, number> = {};
  let lost = 0;
  let duplicated = 0;
  let sentOnce = 0;
  for (const r of rows) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + r.n;
    if (['queued', 'sending'].includes(r.status) || (['sent', 'delivered'].includes(r.status) && r.sends === 0)) lost += r.n;
    if (r.sends > 1) duplicated += (r.sends - 1) * r.n;
    if (r.sends === 1) sentOnce += r.n;
  }
  return { byStatus, lost, duplicated, sentOnce };
}
