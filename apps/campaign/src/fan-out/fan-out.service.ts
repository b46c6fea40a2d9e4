import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Pool, PoolClient } from 'pg';
import {
  ADDRESS, audienceSql, DUE_MS, enqueueSendJobs, fanOutLockKey, requeueQueuedMessages, SEND_QUEUES, type WrittenMessage, controlGroupSql, parseAudience, parseMessagingSettings, REACHABLE, type MessagingSettings,
} from '@comeback/campaigns';
import type { Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { type CampaignFacts, jsonArray, MessageRenderer, type MessageRow, type RecipientRow } from './message-renderer';

/**
 * Recipients read, rendered, written and enqueued together: one FETCH, one INSERT and one addBulk
 * per channel. Small enough that a batch's rows and jobs mostly die young (V8 grows the heap by
 * a multiple of what survives), large enough that round trips cost little.
 */
const BATCH = 250;
/** Batches being written and enqueued while Node renders the next one. */
const WRITES = 2;
/**
 * The fan-out's big statements (freezing the audience, reading it) are estimated costly enough
 * for PostgreSQL to JIT-compile them, which takes about a second and saves less than that.
 */
const NO_JIT = `SET LOCAL jit = off`;

export interface FanOutResult {
  campaignId: string;
  /** False when the campaign was not in a state to start (cancelled, paused, done, draft). */
  started: boolean;
  recipients: number;
  heldOut: number;
  /** Messages written and enqueued by this run (0 for a restart that found them all written). */
  messages: number;
  /** Recipients whose channels are all unreachable now (opted out since the audience was frozen). */
  unreachable: number;
  seconds: number;
}

interface CampaignRow extends CampaignFacts {
  status: string;
  channels: Channel[];
  control_share: string;
  audience: unknown;
  messaging_settings: unknown;
}

/**
 * Starts a campaign: freezes its audience (one INSERT ... SELECT, control group included), then
 * renders each recipient's message in their channel and locale, writes the messages in batches
 * (unique per campaign, client and channel) and enqueues one send job per message, id
 * `message-<id>`, delayed to the client's allowed hours. Safe to run again after a crash: the
 * audience is frozen once, messages already written are skipped, and a restart re-enqueues every
 * message still queued (a job that exists is not added twice; the dispatcher ignores a job whose
 * message is no longer queued).
 */
@Injectable()
export class FanOutService {
  private readonly logger = new Logger('FanOutService');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SEND_QUEUES) private readonly queues: Record<Channel, Queue>,
    private readonly renderer: MessageRenderer,
  ) {}

  async start(campaignId: string, restart = false): Promise<FanOutResult> {
    const started = performance.now();
    // The run's own connection: it holds the campaign's fan-out lock for the whole run, freezes
    // the audience and reads the recipients through its cursor.
    const db = await this.pool.connect();
    // Set when the connection must not go back to the pool (a cursor or the lock possibly left on it).
    let broken: Error | undefined;
    try {
      await db.query(`SELECT pg_advisory_lock(${fanOutLockKey('$1')})`, [campaignId]);
      return await this.run(db, campaignId, restart, started, (err) => (broken = err));
    } finally {
      if (!broken) await db.query(`SELECT pg_advisory_unlock(${fanOutLockKey('$1')})`, [campaignId]).catch((err: Error) => (broken = err));
      db.release(broken);
    }
  }

  private async run(db: PoolClient, campaignId: string, restart: boolean, started: number, broken: (err: Error) => void): Promise<FanOutResult> {
    const frozen = await this.freeze(db, campaignId);
    if (!frozen) return { campaignId, started: false, recipients: 0, heldOut: 0, messages: 0, unreachable: 0, seconds: 0 };
    const { campaign, settings, counts } = frozen;
    const run = await this.renderer.contextFor(campaign, settings);
    let messages = 0;
    let unreachable = 0;
    const recipients = await this.openRecipients(db, campaign, broken);
    // Node renders a batch while earlier ones are written (PostgreSQL) and enqueued (Redis), up to
    // WRITES of them: Node and both stores work at the same time, and memory stays bounded whatever
    // the audience. Each batch's jobs are added once its messages are committed.
    const writes: Promise<void>[] = [];
    const failures: unknown[] = [];
    // Set when a batch found the campaign no longer running or paused (cancelled): the rest of the
    // audience is not written.
    let stopped = false;
    const write = (rendered: MessageRow[]) =>
      this.insert(campaign, rendered)
        .then(({ written, live }) => {
          if (!live) stopped = true;
          messages += written.length;
          return this.enqueue(written);
        })
        .catch((error: unknown) => {
          failures.push(error);
        });
    let next = recipients.next();
    try {
      for (;;) {
        if (writes.length >= WRITES) await writes.shift();
        if (failures.length) throw failures[0];
        if (stopped) break;
        const batch = await next;
        if (!batch.length) break;
        next = recipients.next();
        const rendered = this.renderer.render(run, batch);
        unreachable += batch.length - rendered.length;
        writes.push(write(rendered));
      }
      await Promise.all(writes);
      if (failures.length) throw failures[0];
    } catch (err) {
      // Nothing is left running: a message written and not enqueued is enqueued by the restart.
      await Promise.all([...writes, next.catch(() => undefined)]);
      throw err;
    } finally {
      await recipients.close();
    }
    if (restart) await this.requeueQueued(campaign.id);
    // Only now may the campaign be found done (see fanned_out_at); still under the fan-out lock.
    if (!stopped) await this.pool.query(`UPDATE campaigns SET fanned_out_at = now() WHERE id = $1 AND fanned_out_at IS NULL`, [campaign.id]);
    const seconds = (performance.now() - started) / 1000;
    this.logger.log(`campaign ${campaignId}: ${counts.recipients} recipients (${counts.heldOut} held out), ${messages} messages enqueued in ${seconds.toFixed(1)} s`);
    return { campaignId, started: true, recipients: counts.recipients, heldOut: counts.heldOut, messages, unreachable, seconds };
  }

  /**
   * Moves a scheduled campaign to running and freezes its audience, in one transaction with the
   * campaign row locked; a running one (a restart) is returned as it is. Anything else: null.
   */
  private async freeze(db: PoolClient, campaignId: string): Promise<{ campaign: CampaignRow; settings: MessagingSettings; counts: { recipients: number; heldOut: number } } | null> {
    try {
      await db.query('BEGIN');
      await db.query(NO_JIT);
      const { rows } = await db.query<CampaignRow>(
        `SELECT c.id::text, c.organization_id, c.status, c.template_key, c.channels, c.control_share::text, c.audience,
                o.timezone, o.name AS org_name, o.currency, o.default_locale, o.messaging_settings
           FROM campaigns c JOIN organizations o ON o.id = c.organization_id
          WHERE c.id = $1 FOR UPDATE OF c`,
        [campaignId],
      );
      const campaign = rows[0];
      // A running or paused campaign here is a restart (a fan-out that stopped part-way): it goes on
      // writing the rest of the audience, and a paused one stays paused.
      if (!campaign || !['scheduled', 'running', 'paused'].includes(campaign.status)) {
        await db.query('ROLLBACK');
        return null;
      }
      const settings = parseMessagingSettings(campaign.messaging_settings);
      if (campaign.status === 'scheduled') await this.freezeAudience(db, campaign, settings);
      const counts = await db.query<{ recipients: number; held_out: number }>(
        `UPDATE campaigns c SET status = CASE WHEN c.status = 'scheduled' THEN 'running' ELSE c.status END, started_at = coalesce(started_at, now()), updated_at = now(),
                recipients = r.recipients, held_out = r.held_out
           FROM (SELECT count(*) FILTER (WHERE NOT control)::int AS recipients, count(*) FILTER (WHERE control)::int AS held_out
                   FROM campaign_recipients WHERE campaign_id = $1) r
          WHERE c.id = $1
          RETURNING c.recipients, c.held_out`,
        [campaignId],
      );
      await db.query('COMMIT');
      return { campaign, settings, counts: { recipients: counts.rows[0].recipients, heldOut: counts.rows[0].held_out } };
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** The audience (reachable, not held back by the frequency cap) into campaign_recipients, the control group marked. */
  private async freezeAudience(db: PoolClient, campaign: CampaignRow, settings: MessagingSettings): Promise<void> {
    const { sql, params } = audienceSql({
      organizationId: campaign.organization_id,
      timezone: campaign.timezone,
      audience: parseAudience(campaign.audience),
      channels: campaign.channels,
      frequencyCapDays: settings.frequencyCapDays,
      campaignId: campaign.id,
    });
    const c = `$${params.length + 1}`;
    const share = `$${params.length + 2}`;
    await db.query(
      `INSERT INTO campaign_recipients (campaign_id, client_id, organization_id, episode_id, control)
       SELECT ${c}::bigint, a.client_id, ${`$1`}, a.episode_id, ${controlGroupSql(c, share, 'a.client_id')}
         FROM (${sql}) a
        WHERE a.channel IS NOT NULL AND NOT a.capped
       ON CONFLICT DO NOTHING`,
      [...params, campaign.id, campaign.control_share],
    );
  }

  /**
   * The recipients without a message yet, with their channel (first reachable in the campaign's
   * order) and card data, BATCH at a time. One statement over the whole audience, planned and run
   * once (a query per batch searched the rest of the audience again every round), through a
   * cursor WITH HOLD on a connection of its own: committing its transaction runs the statement to
   * the end and keeps the result in the session, so the anti-join against the campaign's messages
   * sees exactly those written before this run (what a restart needs), and no plan can end up
   * re-reading the pages this run writes meanwhile. No transaction stays open while it is read.
   */
  private async openRecipients(db: PoolClient, campaign: CampaignRow, broken: (err: Error) => void): Promise<{ next(): Promise<RecipientRow[]>; close(): Promise<void> }> {
    try {
      await db.query('BEGIN');
      await db.query(NO_JIT);
      await db.query(
        `DECLARE recipients NO SCROLL CURSOR WITH HOLD FOR
         SELECT r.client_id::text, c.name, c.locale, c.timezone, ch.channel,
                CASE ch.channel WHEN 'sms' THEN ${ADDRESS.sms} WHEN 'voice' THEN ${ADDRESS.voice} WHEN 'email' THEN ${ADDRESS.email} WHEN 'viber' THEN ${ADDRESS.viber} END AS to_address,
                (extract(epoch FROM e.last_visit_at) * 1000)::float8 AS last_visit, sm.name AS staff_member, sv.name AS service
           FROM campaign_recipients r
           JOIN clients c ON c.organization_id = r.organization_id AND c.id = r.client_id
           LEFT JOIN churn_episodes e ON e.id = r.episode_id
           LEFT JOIN staff_members sm ON sm.id = e.staff_member_id
           LEFT JOIN services sv ON sv.id = e.service_id
           LEFT JOIN LATERAL (
             SELECT o.ch AS channel FROM unnest($2::text[]) WITH ORDINALITY AS o(ch, i)
              WHERE CASE o.ch WHEN 'sms' THEN ${REACHABLE.sms} WHEN 'voice' THEN ${REACHABLE.voice}
                              WHEN 'email' THEN ${REACHABLE.email} WHEN 'viber' THEN ${REACHABLE.viber} ELSE false END
              ORDER BY o.i LIMIT 1) ch ON true
          WHERE r.campaign_id = $1 AND NOT r.control
            AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.campaign_id = r.campaign_id AND m.client_id = r.client_id)`,
        [campaign.id, campaign.channels],
      );
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    let closed = false;
    return {
      next: async () => (await db.query<RecipientRow>(`FETCH ${BATCH} FROM recipients`)).rows,
      close: async () => {
        if (closed) return;
        closed = true;
        // The cursor must not outlive this run on a pooled connection: one that fails to close it is dropped.
        await db.query('CLOSE recipients').catch((err: Error) => broken(err));
      },
    };
  }

  /**
   * Writes the batch in one INSERT (a message already written is skipped) and returns the rows
   * written. The batch travels as one JSON parameter, serialised before this returns: the rendered
   * rows are not kept while the statement runs.
   */
  private insert(campaign: CampaignRow, rendered: MessageRow[]): Promise<{ written: WrittenMessage[]; live: boolean }> {
    if (!rendered.length) return Promise.resolve({ written: [], live: true });
    const rows = jsonArray(rendered);
    // Written only while the campaign runs or is paused, with its row share-locked: a cancel
    // (which updates the row, then cancels the queued messages) either waits for this batch and
    // then cancels it, or is seen here and nothing is written. A cancelled campaign never keeps
    // queued messages (they would never be sent and would count against the frequency cap).
    return this.pool
      .query<WrittenMessage & { live: boolean }>(
        `WITH live AS (SELECT id FROM campaigns WHERE id = $2 AND status IN ('running', 'paused') FOR SHARE),
              written AS (
                INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, feedback_token_hash, segments, cost, not_before)
                SELECT $1, $2, m.client_id, m.channel, m.to_address, m.locale, m.content, decode(m.token_hash, 'hex'), m.segments, m.cost, m.not_before
                  FROM json_to_recordset($3::json)
                       AS m(client_id bigint, channel text, to_address text, locale text, content jsonb, token_hash text, segments int, cost numeric, not_before timestamptz)
                 WHERE EXISTS (SELECT 1 FROM live)
                ON CONFLICT (campaign_id, client_id, channel) DO NOTHING
                RETURNING id::text, channel, ${DUE_MS})
         SELECT w.*, true AS live FROM written w
         UNION ALL SELECT NULL, NULL, NULL, EXISTS (SELECT 1 FROM live) WHERE NOT EXISTS (SELECT 1 FROM written)`,
        [campaign.organization_id, campaign.id, rows],
      )
      .then((result) => {
        const written = result.rows.filter((r) => r.id !== null);
        return { written, live: written.length > 0 || result.rows.some((r) => r.live) };
      });
  }

  private enqueue(rows: WrittenMessage[]): Promise<void> {
    return enqueueSendJobs(this.queues, rows);
  }

  /** After a crash between writing messages and enqueueing them: enqueue every message of the campaign still queued. */
  requeueQueued(campaignId: string): Promise<number> {
    return requeueQueuedMessages(this.pool, this.queues, campaignId);
  }
}
