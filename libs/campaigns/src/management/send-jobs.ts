import type { JobsOptions, Queue } from 'bullmq';
import type { Pool } from 'pg';
import { SEND_JOBS, sendJobId } from '@comeback/contracts';
import type { Channel } from '@comeback/domain';

/** Retries of a send job for transient provider errors: 30 s, 1 min, 2 min, 4 min, 8 min. */
export const SEND_JOB_OPTIONS: JobsOptions = { attempts: 6, backoff: { type: 'exponential', delay: 30_000 }, removeOnComplete: true, removeOnFail: true };

/** A message's not_before as epoch milliseconds, for the job's delay: a number parses far faster than a timestamp's text. */
export const DUE_MS = `(extract(epoch FROM not_before) * 1000)::float8 AS due_ms`;

/** A message row written, as its send job needs it. */
export interface WrittenMessage {
  id: string;
  channel: Channel;
  /** not_before in epoch milliseconds (see DUE_MS). */
  due_ms: number | null;
}

/**
 * One addBulk per channel: a send job per message, id `message-<id>`, delayed to its allowed hours.
 * A job that still exists is not added again (same job id), so enqueueing twice is harmless.
 */
export async function enqueueSendJobs(queues: Record<Channel, Queue>, rows: readonly WrittenMessage[]): Promise<void> {
  const now = Date.now();
  const byChannel = new Map<Channel, WrittenMessage[]>();
  for (const r of rows) {
    const list = byChannel.get(r.channel);
    if (list) list.push(r);
    else byChannel.set(r.channel, [r]);
  }
  for (const [channel, list] of byChannel) {
    await queues[channel].addBulk(
      list.map((m) => ({
        name: SEND_JOBS[channel].job,
        data: { messageId: m.id },
        opts: { ...SEND_JOB_OPTIONS, jobId: sendJobId(m.id), delay: m.due_ms === null ? 0 : Math.max(0, m.due_ms - now) },
      })),
    );
  }
}

/**
 * Enqueues every message of the campaign still queued: after a crash between writing messages and
 * enqueueing them, and on resume after a pause. Returns how many were (re)offered.
 */
export async function requeueQueuedMessages(pool: Pool, queues: Record<Channel, Queue>, campaignId: string): Promise<number> {
  let after = '0';
  let total = 0;
  for (;;) {
    const { rows } = await pool.query<WrittenMessage>(
      `SELECT id::text, channel, ${DUE_MS} FROM messages WHERE campaign_id = $1 AND status = 'queued' AND id > $2::bigint ORDER BY id LIMIT 5000`,
      [campaignId, after],
    );
    if (!rows.length) return total;
    after = rows[rows.length - 1].id;
    await enqueueSendJobs(queues, rows);
    total += rows.length;
  }
}

/**
 * The advisory lock a fan-out holds on its campaign (`id`: SQL of the campaign id) from before the
 * campaign is running until its last message is written. A running campaign whose fan-out is under
 * way may have nothing queued yet (its audience is being read) or for a moment between batches:
 * the "campaign finished" checks (the campaign app's fallback sweep, the dispatcher's) leave alone
 * a campaign whose lock is held. Two runs of the same campaign's fan-out wait for each other.
 */
export const fanOutLockKey = (id: string): string => `hashtextextended('campaign-fan-out:' || ${id}::text, 0)`;
