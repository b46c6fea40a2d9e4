import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { EventName } from '@comeback/contracts';
import { appendEvents } from '@comeback/events';
import { PG_POOL } from '@comeback/platform';
import { recordReasonText } from '@comeback/reasons';
import type { InboundOutcome } from '../intake/inbound-outcome';
import { setClientConsent } from './client-consent';
import { replyDigit, replyKeyword } from './reply-keywords';

/** The channels a client can write back on, with the client column that identifies the sender. */
const CHANNELS = {
  sms: { address: 'phone' },
  viber: { address: 'viber_id' },
  voice: { address: 'phone' },
  email: { address: 'email' },
} as const;
export type ReplyChannel = keyof typeof CHANNELS;

/** A text a client sent, as the webhooks hand it over. */
export interface TextReply {
  organizationId: string;
  channel: ReplyChannel;
  /** Phone (E.164) or Viber user id. */
  from: string | null;
  text: string;
  requestId: string;
  receivedAt: Date;
}

/** A reply answers the newest message sent to the client on the channel within this many days. */
const OUTREACH_DAYS = 60;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The status Twilio reports, as our message states: only the final ones move a message. */
const DELIVERY: Record<string, 'delivered' | 'undelivered'> = {
  delivered: 'delivered', read: 'delivered', completed: 'delivered',
  undelivered: 'undelivered', failed: 'undelivered', busy: 'undelivered', 'no-answer': 'undelivered', canceled: 'undelivered',
};

/**
 * What a client's text means (SMS or Viber), recorded once per inbound request (replies.inbound_request_id is
 * unique): an opt-out, opt-in or help keyword (consent of that channel with its history), a
 * digit (the reason the message offered under that number), or free text (kept with the reply;
 * matched to the reason list by the reasons library). The reply is tied to the client by phone or
 * Viber id and to the newest message sent to them on that channel; the reason goes to that campaign's episode, with a
 * `reason.recorded` event in the same transaction. A text from an unknown number is kept for staff.
 */
@Injectable()
export class TextRepliesService {
  private readonly logger = new Logger('TextRepliesService');

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Records the reply; returns how many events it wrote to the outbox (committed with it). */
  async handle(reply: TextReply): Promise<number> {
    const { organizationId, channel, from, requestId, receivedAt } = reply;
    const text = reply.text.normalize('NFKC').trim().slice(0, 2000);
    const { address } = CHANNELS[channel];
    return this.inTransaction(async (db) => {
      const client = from
        ? (await db.query<{ id: string }>(`SELECT id::text FROM clients WHERE organization_id = $1 AND ${address} = $2 ORDER BY id LIMIT 1`, [organizationId, from])).rows[0]
        : undefined;
      if (!client) {
        await this.insertReply(db, { organizationId, channel, clientId: null, messageId: null, episodeId: null, from, text, kind: 'unknown_sender', reasonId: null, matchedBy: null, requestId, receivedAt, needsReview: true });
        return 0;
      }
      const outreach = (
        await db.query<{ id: string; campaign_id: string; choices: string[] | null; episode_id: string | null }>(
          `SELECT m.id::text, m.campaign_id::text, ARRAY(SELECT jsonb_array_elements_text(m.content->'choices')) AS choices, r.episode_id::text
               FROM messages m LEFT JOIN campaign_recipients r ON r.campaign_id = m.campaign_id AND r.client_id = m.client_id
              WHERE m.organization_id = $1 AND m.client_id = $2 AND m.channel = $4 AND m.sent_at > now() - make_interval(days => $3)
              ORDER BY m.sent_at DESC LIMIT 1`,
          [organizationId, client.id, OUTREACH_DAYS, channel],
        )
      ).rows[0];
      const episodeId =
        outreach?.episode_id ??
        (await db.query<{ id: string }>(`SELECT id::text FROM churn_episodes WHERE organization_id = $1 AND client_id = $2 AND status IN ('at_risk', 'lapsed') ORDER BY detected_at DESC LIMIT 1`, [organizationId, client.id]))
          .rows[0]?.id ??
        null;
      const keyword = replyKeyword(text);
      const base = { organizationId, channel, clientId: client.id, messageId: outreach?.id ?? null, episodeId, from, text, requestId, receivedAt, needsReview: false };
      if (keyword) {
        if (keyword !== 'help') await setClientConsent(db, { organizationId, clientId: client.id, channel, status: keyword === 'opt_out' ? 'revoked' : 'granted', source: `${channel}-keyword` });
        await this.insertReply(db, { ...base, kind: keyword, reasonId: null, matchedBy: null });
        return 0;
      }
      const digit = replyDigit(text);
      const chosen = digit !== null && outreach?.choices ? outreach.choices[digit - 1] : undefined;
      // The chosen reason must still be this organization's (it may have been merged since: follow it).
      let reasonId = chosen
        ? ((await db.query<{ id: string }>(`SELECT coalesce(merged_into_id, id)::text AS id FROM churn_reasons WHERE organization_id = $1 AND id = $2`, [organizationId, chosen])).rows[0]?.id ?? null)
        : null;
      // The reply (matched_by set) counts for its reason when usage is read (listReasons): the
      // reason's row is not written, so replies naming the same reason do not queue on its lock.
      const replyId = await this.insertReply(db, { ...base, kind: reasonId ? 'reason' : 'free_text', reasonId, matchedBy: reasonId ? 'digit' : null, needsReview: !reasonId });
      if (replyId && !reasonId && text) {
        // Free text: the reason list matches it (alias, then fuzzy on any script) or files it as a
        // candidate for staff; in this transaction, so a retry that finds the reply written files nothing twice.
        const matched = await recordReasonText(db, { organizationId, text, countUsage: false });
        reasonId = matched.reasonId;
        await db.query(
          `UPDATE replies SET kind = CASE WHEN $2::bigint IS NULL THEN kind ELSE 'reason' END, reason_id = $2, candidate_id = $3, match_score = $4, matched_by = $5, needs_review = $2::bigint IS NULL WHERE id = $1`, [replyId, matched.reasonId, matched.candidateId, matched.score, matched.matchedBy],
        );
      }
      if (replyId && outreach) await db.query(`UPDATE messages SET replied_at = coalesce(replied_at, $2) WHERE id = $1`, [outreach.id, receivedAt]);
      return replyId && episodeId ? this.writeBack(db, { organizationId, clientId: client.id, episodeId, replyId, reasonId, note: text, channel, at: receivedAt }) : 0;
    });
  }

  /**
   * A delivery report: delivered / undelivered moves the message, found by our id (Twilio's
   * callback URL names it) or by the provider's id (Viber's token); an in-doubt message is settled
   * by it (the provider had it).
   */
  async delivery(organizationId: string, ref: { messageId: string } | { providerMessageId: string }, state: 'delivered' | 'undelivered', providerMessageId?: string): Promise<boolean> {
    const byId = 'messageId' in ref;
    const { rows } = await this.pool.query<{ campaign_id: string }>(
      `UPDATE messages SET status = $3, delivered_at = CASE WHEN $3 = 'delivered' THEN coalesce(delivered_at, now()) ELSE delivered_at END,
              sent_at = coalesce(sent_at, now()), provider_message_id = coalesce(provider_message_id, $4), updated_at = now()
        WHERE organization_id = $1 AND ${byId ? 'id = $2::bigint' : 'provider_message_id = $2'} AND status IN ('sending', 'sent', 'in_doubt', 'delivered', 'undelivered')
        RETURNING campaign_id::text`,
      [organizationId, byId ? ref.messageId : ref.providerMessageId, state, providerMessageId ?? null],
    );
    // A refused message of a campaign already done may still fall back: running again until the sweep decides.
    if (rows.length && state === 'undelivered') {
      await this.pool.query(`UPDATE campaigns SET status = 'running', finished_at = NULL, updated_at = now() WHERE id = $1 AND status = 'done'`, [rows[0].campaign_id]);
    }
    return rows.length > 0;
  }

  /**
   * Twilio's status callback fields as a delivery report. One that moves no message (an id that is
   * not this organization's, a message already failed) is kept with the reason it wrote nothing.
   */
  async handleTwilioStatus(payload: Record<string, unknown>): Promise<string | null> {
    const state = DELIVERY[str(payload.MessageStatus) ?? str(payload.CallStatus) ?? ''];
    if (!state) return null;
    const moved = await this.delivery(str(payload.organizationId)!, { messageId: str(payload.messageId)! }, state, str(payload.MessageSid) ?? str(payload.CallSid) ?? undefined);
    return moved ? null : `no message ${str(payload.messageId)} of this organization that a delivery report moves`;
  }

  /**
   * A Viber callback: a message is a text reply; delivered / seen / failed report on our message
   * (Viber's message token is its provider id); unsubscribed / subscribed set Viber consent.
   * Returns how many events it wrote to the outbox.
   */
  async handleViber(requestId: string, p: Record<string, unknown>, receivedAt: Date): Promise<number> {
    const organizationId = String(p.organizationId);
    const sender = (p.sender ?? p.user) as { id?: unknown } | undefined;
    const userId = typeof p.user_id === 'string' ? p.user_id : typeof sender?.id === 'string' ? sender.id : null;
    switch (p.event) {
      case 'message': {
        const message = p.message as { type?: unknown; text?: unknown } | undefined;
        return this.handle({ organizationId, channel: 'viber', from: userId, text: typeof message?.text === 'string' ? message.text : '', requestId, receivedAt });
      }
      case 'delivered':
      case 'seen':
      case 'failed':
        if (p.message_token !== undefined) await this.delivery(organizationId, { providerMessageId: String(p.message_token) }, p.event === 'failed' ? 'undelivered' : 'delivered');
        return 0;
      case 'subscribed':
      case 'unsubscribed': {
        if (!userId) return 0;
        const client = (await this.pool.query<{ id: string }>(`SELECT id::text FROM clients WHERE organization_id = $1 AND viber_id = $2 ORDER BY id LIMIT 1`, [organizationId, userId])).rows[0];
        if (client) await setClientConsent(this.pool, { organizationId, clientId: client.id, channel: 'viber', status: p.event === 'unsubscribed' ? 'revoked' : 'granted', source: `viber-${p.event}` });
        return 0;
      }
      default:
        return 0; // conversation_started: nothing to record
    }
  }

  /**
   * A key pressed in an automated call: the voice template's menu says which reason label the key
   * records; the label is found among the organization's reasons (case and width folded). The
   * reply is tied to the called message, its client and episode, like a text reply.
   */
  async handleKeypad(requestId: string, p: Record<string, unknown>, receivedAt: Date): Promise<InboundOutcome> {
    const organizationId = String(p.organizationId);
    const digits = typeof p.Digits === 'string' ? p.Digits.trim() : '';
    return this.inTransaction(async (db): Promise<InboundOutcome> => {
      const m = (
        await db.query<{ id: string; client_id: string; to_address: string; label: string | null; episode_id: string | null }>(
          `SELECT m.id::text, m.client_id::text, m.to_address, m.content->'menu'->>$3 AS label, r.episode_id::text
             FROM messages m LEFT JOIN campaign_recipients r ON r.campaign_id = m.campaign_id AND r.client_id = m.client_id
            WHERE m.organization_id = $1 AND m.id = $2 AND m.channel = 'voice'`,
          [organizationId, String(p.messageId), digits],
        )
      ).rows[0];
      // Kept on the request's row when the key press names no call of this organization.
      if (!m) return { note: `no voice message ${String(p.messageId)} of this organization`, events: 0 };
      const reasonId = m.label
        ? ((
            await db.query<{ id: string }>(
              `SELECT coalesce(merged_into_id, id)::text AS id FROM churn_reasons WHERE organization_id = $1 AND lower(normalize(label, NFKC)) = lower(normalize($2, NFKC)) ORDER BY retired_at NULLS FIRST LIMIT 1`,
              [organizationId, m.label],
            )
          ).rows[0]?.id ?? null)
        : null;
      const replyId = await this.insertReply(db, {
        organizationId, channel: 'voice', clientId: m.client_id, messageId: m.id, episodeId: m.episode_id, from: m.to_address, text: m.label ?? digits, kind: 'keypad',
        reasonId, matchedBy: reasonId ? 'keypad' : null, requestId, receivedAt, needsReview: !reasonId,
      });
      if (!replyId) return { note: null, events: 0 };
      await db.query(`UPDATE messages SET replied_at = coalesce(replied_at, $2) WHERE id = $1`, [m.id, receivedAt]);
      const events = m.episode_id ? await this.writeBack(db, { organizationId, clientId: m.client_id, episodeId: m.episode_id, replyId, reasonId, note: m.label ?? digits, channel: 'voice', at: receivedAt }) : 0;
      return { note: null, events };
    });
  }

  /**
   * The reply on the client's card: the episode gets the reason (when there is one), the words,
   * channel and time, and reason.recorded goes out with it. Returns how many events it wrote.
   */
  private async writeBack(
    db: PoolClient,
    w: { organizationId: string; clientId: string; episodeId: string; replyId: string; reasonId: string | null; note: string; channel: ReplyChannel; at: Date },
  ): Promise<number> {
    await db.query(
      `UPDATE churn_episodes SET reason_id = coalesce($3::bigint, reason_id), reason_note = $4, reason_channel = $6, reason_set_at = $5, updated_at = now()
          WHERE organization_id = $1 AND id = $2`,
      [w.organizationId, w.episodeId, w.reasonId, w.note, w.at, w.channel],
    );
    const events = await appendEvents(db, w.organizationId, [
      { name: EventName.ReasonRecorded, payload: { organizationId: w.organizationId, clientId: w.clientId, episodeId: w.episodeId, replyId: w.replyId } },
    ]);
    return events.length;
  }

  /** Runs `work` in one transaction on a connection of its own; returns what `work` returned, once committed. */
  private async inTransaction<T>(work: (db: PoolClient) => Promise<T>): Promise<T> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const result = await work(db);
      await db.query('COMMIT');
      return result;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }



  /** Writes the reply once per inbound request; returns its id, or null when it was already written. */
  private async insertReply(
    db: PoolClient,
    r: { organizationId: string; channel: ReplyChannel; clientId: string | null; messageId: string | null; episodeId: string | null; from: string | null; text: string; kind: string; reasonId: string | null; matchedBy: string | null; requestId: string; receivedAt: Date; needsReview: boolean },
  ): Promise<string | null> {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO replies (organization_id, client_id, message_id, episode_id, channel, from_address, text, kind, reason_id, match_score, matched_by, received_at, inbound_request_id, needs_review)
         VALUES ($1, $2, $3, $4, $13, $5, $6, $7, $8, CASE WHEN $8::bigint IS NULL THEN NULL ELSE 1 END, $9, $10, $11, $12)
         ON CONFLICT (inbound_request_id) WHERE inbound_request_id IS NOT NULL DO NOTHING
         RETURNING id::text`,
      [r.organizationId, r.clientId, r.messageId, r.episodeId, r.from, r.text || null, r.kind, r.reasonId, r.matchedBy, r.receivedAt, r.requestId, r.needsReview, r.channel],
    );
    return rows[0]?.id ?? null;
  }
}
