import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { ADDRESS, DUE_MS, enqueueSendJobs, finishSettledCampaigns, parseMessagingSettings, REACHABLE, SEND_QUEUES, type WrittenMessage } from '@comeback/campaigns';
import type { Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { type CampaignFacts, jsonArray, MessageRenderer, type MessageRow, type RecipientRow, type RenderContext } from './message-renderer';

/** Fallbacks read, rendered, written and enqueued together. */
const BATCH = 250;
/** Queued fallbacks re-offered to the send queues per statement (a retried sweep). */
const REQUEUE_PAGE = 5000;

/** Refused for good by the provider, given up, or reported not delivered: falls back at once. */
const REFUSED = `('failed', 'dead', 'undelivered')`;

/**
 * The messages that fall back, each with the channel it falls back to (`nx.channel`), as the FROM
 * and WHERE of a statement (aliases: m message, c client, r recipient, e episode), for the
 * campaigns `ca` matching `campaigns` (SQL over ca). A message m falls back when
 * - it was refused (failed, dead, undelivered), or its campaign has fallback hours and it is sent
 *   with no delivery receipt: when `due`, only once it was sent that many hours ago; otherwise
 *   also while it is still within them (what may still fall back, for the "finished" check);
 * - neither it nor any message of its campaign to that client was replied to;
 * - the episode the client was chosen for is still open (at risk or lapsed: not returned);
 * - it has no fallback yet, and the client is reachable (an address, no opt-out) on a channel
 *   after m's in the campaign's order that has no message of the campaign to them yet: the first
 *   such channel is nx. A fallback is a message like any other, so it falls back in turn.
 * In doubt, queued, sending, delivered and cancelled messages never fall back.
 *
 * The conditions on the message's own columns come first, in a subquery the planner keeps apart
 * (OFFSET 0): it reads the campaign's messages by (campaign_id, status) and keeps the few that
 * pass, and only those are joined to clients, recipients and episodes. Otherwise it joins every
 * recipient of a big campaign first, every minute, to find that none is due.
 */
function fallbackSql(due: boolean, campaigns: string): { from: string; where: string } {
  const from = `
    (SELECT m.id, m.organization_id, m.campaign_id, m.client_id, m.channel, ca.channels
       FROM campaigns ca JOIN messages m ON m.campaign_id = ca.id
      WHERE ${campaigns}
        AND m.status IN ('failed', 'dead', 'undelivered', 'sent')
        AND (m.status IN ${REFUSED}
             OR (m.status = 'sent' AND m.delivered_at IS NULL AND m.receipts_expected AND ca.fallback_after_hours IS NOT NULL
                 ${due ? `AND m.sent_at <= now() - make_interval(hours => ca.fallback_after_hours)` : ''}))
        AND array_position(ca.channels, m.channel) < cardinality(ca.channels)
        AND m.replied_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM messages f WHERE f.fallback_of = m.id)
     OFFSET 0) m
    JOIN clients c ON c.organization_id = m.organization_id AND c.id = m.client_id
    JOIN campaign_recipients r ON r.campaign_id = m.campaign_id AND r.client_id = m.client_id
    LEFT JOIN churn_episodes e ON e.id = r.episode_id
    CROSS JOIN LATERAL (
      SELECT o.ch AS channel FROM unnest(m.channels) WITH ORDINALITY AS o(ch, i)
       WHERE o.i > array_position(m.channels, m.channel)
         AND CASE o.ch WHEN 'sms' THEN ${REACHABLE.sms} WHEN 'voice' THEN ${REACHABLE.voice}
                       WHEN 'email' THEN ${REACHABLE.email} WHEN 'viber' THEN ${REACHABLE.viber} ELSE false END
         AND NOT EXISTS (SELECT 1 FROM messages x WHERE x.campaign_id = m.campaign_id AND x.client_id = m.client_id AND x.channel = o.ch)
       ORDER BY o.i LIMIT 1) nx`;
  const where = `
    (r.episode_id IS NULL OR e.status IN ('at_risk', 'lapsed'))
    AND NOT EXISTS (SELECT 1 FROM messages a WHERE a.campaign_id = m.campaign_id AND a.client_id = m.client_id AND a.replied_at IS NOT NULL)`;
  return { from, where };
}

/** The fallbacks due now, in running campaigns. */
const DUE = fallbackSql(true, `ca.status = 'running'`);
/** What may still fall back in campaign k, now or once its fallback hours have passed. */
const PENDING = fallbackSql(false, `ca.id = k.id`);

/**
 * Whether running campaign k is settled: nothing queued or being sent, and no message that falls
 * back now or may once its fallback hours have passed. (CASE: the cheap check first, the other only
 * when it passes.) Checked twice by finishCampaigns (see there).
 */
const SETTLED = `
  CASE WHEN k.fanned_out_at IS NULL THEN false
       WHEN EXISTS (SELECT 1 FROM messages q WHERE q.campaign_id = k.id AND q.status IN ('queued', 'sending')) THEN false
       ELSE NOT EXISTS (SELECT 1 FROM ${PENDING.from} WHERE ${PENDING.where}) END`;

interface CandidateRow extends RecipientRow {
  campaign_id: string;
  fallback_of: string;
}

interface CampaignContextRow extends CampaignFacts {
  messaging_settings: unknown;
}

export interface FallbackSweepResult {
  /** Fallback messages written and enqueued by this sweep. */
  fallbacks: number;
  /** Due fallbacks not written: another sweep wrote them first, their campaign stopped running meanwhile, or they could not be rendered (a template missing). */
  skipped: number;
  /** Fallbacks written by an earlier run and offered to the send queues again (a retried sweep). */
  requeued: number;
  /** Campaigns this sweep marked done. */
  finished: number;
  seconds: number;
}

/**
 * Channel fallback. A campaign's `channels` is the order tried per client: the fan-out writes the
 * first channel the client is reachable on, and this sweep, run every minute for every running
 * campaign, gives a message that was refused (at once) or not delivered within the campaign's
 * `fallback_after_hours` (when set) a message on the client's next reachable channel (see
 * fallbackSql for every condition), with `fallback_of` naming the message it replaces.
 *
 * The candidates come from one statement, read through a cursor in batches; each batch is rendered
 * exactly as the fan-out renders (MessageRenderer: the client's locale, a new link token, SMS
 * segments and cost, allowed hours), written in one INSERT and enqueued (`message-<id>`). Sweeps
 * may run twice or at the same time: a message has at most one fallback and a campaign one message
 * per client and channel (unique indexes, ON CONFLICT DO NOTHING), so a fallback is written once.
 *
 * Done-ness: a running campaign is done when nothing is queued or being sent and none of its
 * messages falls back now or may later: with fallback hours, a sent message without a delivery
 * receipt keeps its campaign running until its hours have passed (then it falls back, or cannot).
 * The dispatcher marks done the campaigns it can tell are settled without looking at clients; the
 * rest (a refused message whose client has no channel left, hours that ran out) are marked done
 * here, each sweep.
 */
@Injectable()
export class FallbackService {
  private readonly logger = new Logger('FallbackService');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SEND_QUEUES) private readonly queues: Record<Channel, Queue>,
    private readonly renderer: MessageRenderer,
  ) {}

  /** One sweep. `retry`: an earlier run may have written fallbacks it did not enqueue (it crashed): offer them again first. */
  async sweep(retry = false): Promise<FallbackSweepResult> {
    const started = performance.now();
    const requeued = retry ? await this.requeueFallbacks() : 0;
    let fallbacks = 0;
    let skipped = 0;
    // Per campaign, loaded once per sweep (null: it cannot be rendered, e.g. a template was deleted).
    const contexts = new Map<string, Promise<RenderContext | null>>();
    const candidates = await this.openCandidates();
    try {
      for (;;) {
        const batch = await candidates.next();
        if (!batch.length) break;
        const rendered: MessageRow[] = [];
        for (const [campaignId, rows] of groupBy(batch, (r) => r.campaign_id)) {
          let context = contexts.get(campaignId);
          if (!context) contexts.set(campaignId, (context = this.contextFor(campaignId)));
          const run = await context;
          if (!run) continue;
          try {
            rendered.push(...this.renderer.render(run, rows));
          } catch (err) {
            this.logger.warn(`campaign ${campaignId}: fallbacks not rendered: ${(err as Error).message}`);
            contexts.set(campaignId, Promise.resolve(null));
          }
        }
        const written = await this.insert(rendered);
        await enqueueSendJobs(this.queues, written);
        fallbacks += written.length;
        skipped += batch.length - written.length;
      }
    } finally {
      await candidates.close();
    }
    const finished = await this.finishCampaigns();
    const seconds = (performance.now() - started) / 1000;
    if (fallbacks || skipped || finished || requeued) {
      this.logger.log(`fallback sweep: ${fallbacks} fallbacks enqueued, ${skipped} skipped, ${requeued} re-enqueued, ${finished} campaigns done, in ${seconds.toFixed(1)} s`);
    }
    return { fallbacks, skipped, requeued, finished, seconds };
  }

  /**
   * The fallbacks due now in running campaigns, with the client's card data, BATCH at a time: one
   * statement planned and run once, through a cursor WITH HOLD on a connection of its own (as the
   * fan-out reads its recipients), so no transaction stays open while batches are written.
   */
  private async openCandidates(): Promise<{ next(): Promise<CandidateRow[]>; close(): Promise<void> }> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      await db.query(
        `DECLARE fallbacks NO SCROLL CURSOR WITH HOLD FOR
         SELECT m.campaign_id::text, m.id::text AS fallback_of, m.client_id::text, c.name, c.locale, c.timezone, nx.channel,
                CASE nx.channel WHEN 'sms' THEN ${ADDRESS.sms} WHEN 'voice' THEN ${ADDRESS.voice} WHEN 'email' THEN ${ADDRESS.email} WHEN 'viber' THEN ${ADDRESS.viber} END AS to_address,
                (extract(epoch FROM e.last_visit_at) * 1000)::float8 AS last_visit, sm.name AS staff_member, sv.name AS service
           FROM ${DUE.from}
           LEFT JOIN staff_members sm ON sm.id = e.staff_member_id
           LEFT JOIN services sv ON sv.id = e.service_id
          WHERE ${DUE.where}
          ORDER BY m.campaign_id, m.id`,
      );
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      db.release();
      throw err;
    }
    let closed = false;
    return {
      next: async () => (await db.query<CandidateRow>(`FETCH ${BATCH} FROM fallbacks`)).rows,
      close: async () => {
        if (closed) return;
        closed = true;
        await db.query('CLOSE fallbacks').then(
          () => db.release(),
          (err: Error) => db.release(err),
        );
      },
    };
  }

  private async contextFor(campaignId: string): Promise<RenderContext | null> {
    const { rows } = await this.pool.query<CampaignContextRow>(
      `SELECT c.id::text, c.organization_id, c.template_key, o.timezone, o.name AS org_name, o.currency, o.default_locale, o.messaging_settings
         FROM campaigns c JOIN organizations o ON o.id = c.organization_id WHERE c.id = $1`,
      [campaignId],
    );
    if (!rows.length) return null;
    try {
      return await this.renderer.contextFor(rows[0], parseMessagingSettings(rows[0].messaging_settings));
    } catch (err) {
      this.logger.warn(`campaign ${campaignId}: fallbacks not rendered: ${(err as Error).message}`);
      return null;
    }
  }

  /**
   * Writes a batch of fallbacks in one INSERT and returns those written, in a transaction that first
   * locks their campaigns: a campaign paused or cancelled since the candidates were read gets none,
   * and one the "finished" check marked done meanwhile is running again (as a dead letter's retry
   * does), so its new messages are sent. The source message is checked again (still refused or
   * without a receipt, no reply). Another sweep's fallback for the same message or channel wins:
   * ON CONFLICT DO NOTHING.
   */
  private async insert(rendered: MessageRow[]): Promise<WrittenMessage[]> {
    if (!rendered.length) return [];
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      // Locked in id order, as every sweep does: concurrent sweeps queue up here instead of deadlocking on the unique indexes.
      const { rows: live } = await db.query<{ id: string }>(
        `SELECT id::text FROM campaigns
          WHERE id IN (SELECT s.campaign_id FROM messages s WHERE s.id = ANY($1::bigint[])) AND status IN ('running', 'done')
          ORDER BY id FOR UPDATE`,
        [rendered.map((r) => r.fallback_of)],
      );
      const { rows: written } = await db.query<WrittenMessage & { campaign_id: string }>(
        `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, feedback_token_hash, segments, cost, not_before, fallback_of)
         SELECT s.organization_id, s.campaign_id, s.client_id, f.channel, f.to_address, f.locale, f.content, decode(f.token_hash, 'hex'), f.segments, f.cost, f.not_before, s.id
           FROM json_to_recordset($1::json)
                AS f(fallback_of bigint, channel text, to_address text, locale text, content jsonb, token_hash text, segments int, cost numeric, not_before timestamptz)
           JOIN messages s ON s.id = f.fallback_of
          WHERE s.campaign_id = ANY($2::bigint[]) AND s.replied_at IS NULL
            AND (s.status IN ${REFUSED} OR (s.status = 'sent' AND s.delivered_at IS NULL AND s.receipts_expected))
         ON CONFLICT DO NOTHING
         RETURNING id::text, channel, ${DUE_MS}, campaign_id::text`,
        [jsonArray(rendered), live.map((c) => c.id)],
      );
      if (written.length) {
        await db.query(
          `UPDATE campaigns SET status = 'running', finished_at = NULL, updated_at = now() WHERE id = ANY($1::bigint[]) AND status = 'done'`,
          [[...new Set(written.map((w) => w.campaign_id))]],
        );
      }
      await db.query('COMMIT');
      return written;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }

  /**
   * Marks done the running campaigns that are settled (SETTLED). The campaigns are locked by a
   * first statement and checked again by a second: a statement's snapshot is taken when it starts,
   * so a single UPDATE could still mark done a campaign whose fallbacks a sweep committed while it
   * waited for the row. A campaign another transaction holds, or whose fan-out is under way (its
   * advisory lock, see fanOutLockKey), is left for the next time.
   */
  async finishCampaigns(): Promise<number> {
    return finishSettledCampaigns(this.pool, 'k', SETTLED);
  }

  /** Enqueues again every fallback of a running campaign still queued (a job that exists is not added twice). */
  private async requeueFallbacks(): Promise<number> {
    let after = '0';
    let total = 0;
    for (;;) {
      const { rows } = await this.pool.query<WrittenMessage>(
        `SELECT m.id::text, m.channel, ${DUE_MS} FROM messages m JOIN campaigns c ON c.id = m.campaign_id
          WHERE m.fallback_of IS NOT NULL AND m.status = 'queued' AND c.status = 'running' AND m.id > $1::bigint
          ORDER BY m.id LIMIT ${REQUEUE_PAGE}`,
        [after],
      );
      if (!rows.length) return total;
      after = rows[rows.length - 1].id;
      await enqueueSendJobs(this.queues, rows);
      total += rows.length;
    }
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
