import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { EventName } from '@comeback/contracts';
import { appendEvents } from '@comeback/events';
import { PG_POOL } from '@comeback/platform';
import { replyDigit, replyKeyword } from './reply-keywords';

/** A reply answers the newest message sent to the client on the channel within this many days. */
const OUTREACH_DAYS = 60;
const E164 = /^\+[1-9]\d{6,14}$/;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The status Twilio reports, as our message states: only the final ones move a message. */
const DELIVERY: Record<string, 'delivered' | 'undelivered'> = {
  delivered: 'delivered', read: 'delivered', completed: 'delivered',
  undelivered: 'undelivered', failed: 'undelivered', busy: 'undelivered', 'no-answer': 'undelivered', canceled: 'undelivered',
};

/**
 * What a client's text means, recorded once per inbound request (replies.inbound_request_id is
 * unique): an opt-out, opt-in or help keyword (consent of the SMS channel with its history), a
 * digit (the reason the message offered under that number), or free text (kept with the reply;
 * matched to the reason list by the reasons library). The reply is tied to the client by phone and
 * to the newest message sent to them by SMS; the reason goes to that campaign's episode, with a
 * `reason.recorded` event in the same transaction. A text from an unknown number is kept for staff.
 */
@Injectable()
export class TwilioReplyService {
  private readonly logger = new Logger('TwilioReplyService');

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async handleSms(requestId: string, payload: Record<string, unknown>, receivedAt: Date): Promise<void> {
    const organizationId = str(payload.organizationId)!;
    const from = str(payload.From);
    const text = (str(payload.Body) ?? '').normalize('NFKC').trim().slice(0, 2000);
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const client = from && E164.test(from)
        ? (await db.query<{ id: string }>(`SELECT id::text FROM clients WHERE organization_id = $1 AND phone = $2 ORDER BY id LIMIT 1`, [organizationId, from])).rows[0]
        : undefined;
      if (!client) {
        await this.insertReply(db, { organizationId, clientId: null, messageId: null, episodeId: null, from, text, kind: 'unknown_sender', reasonId: null, matchedBy: null, requestId, receivedAt, needsReview: true });
        await db.query('COMMIT');
        return;
      }
      const outreach = (
        await db.query<{ id: string; campaign_id: string; choices: string[] | null; episode_id: string | null }>(
          `SELECT m.id::text, m.campaign_id::text, ARRAY(SELECT jsonb_array_elements_text(m.content->'choices')) AS choices, r.episode_id::text
             FROM messages m LEFT JOIN campaign_recipients r ON r.campaign_id = m.campaign_id AND r.client_id = m.client_id
            WHERE m.organization_id = $1 AND m.client_id = $2 AND m.channel = 'sms' AND m.sent_at > now() - make_interval(days => $3)
            ORDER BY m.sent_at DESC LIMIT 1`,
          [organizationId, client.id, OUTREACH_DAYS],
        )
      ).rows[0];
      const episodeId =
        outreach?.episode_id ??
        (await db.query<{ id: string }>(`SELECT id::text FROM churn_episodes WHERE organization_id = $1 AND client_id = $2 AND status IN ('at_risk', 'lapsed') ORDER BY detected_at DESC LIMIT 1`, [organizationId, client.id]))
          .rows[0]?.id ??
        null;
      const keyword = replyKeyword(text);
      const base = { organizationId, clientId: client.id, messageId: outreach?.id ?? null, episodeId, from, text, requestId, receivedAt, needsReview: false };
      if (keyword) {
        if (keyword !== 'help') await this.setSmsConsent(db, organizationId, client.id, keyword === 'opt_out' ? 'revoked' : 'granted');
        await this.insertReply(db, { ...base, kind: keyword, reasonId: null, matchedBy: null });
        await db.query('COMMIT');
        return;
      }
      const digit = replyDigit(text);
      const chosen = digit !== null && outreach?.choices ? outreach.choices[digit - 1] : undefined;
      // The chosen reason must still be this organization's (it may have been merged since: follow it).
      const reasonId = chosen
        ? ((await db.query<{ id: string }>(`SELECT coalesce(merged_into_id, id)::text AS id FROM churn_reasons WHERE organization_id = $1 AND id = $2`, [organizationId, chosen])).rows[0]?.id ?? null)
        : null;
      const replyId = await this.insertReply(db, { ...base, kind: reasonId ? 'reason' : 'free_text', reasonId, matchedBy: reasonId ? 'digit' : null, needsReview: !reasonId });
      if (replyId && outreach) await db.query(`UPDATE messages SET replied_at = coalesce(replied_at, $2) WHERE id = $1`, [outreach.id, receivedAt]);
      if (replyId && episodeId) {
        await db.query(
          `UPDATE churn_episodes SET reason_id = coalesce($3::bigint, reason_id), reason_note = $4, reason_channel = 'sms', reason_set_at = $5, updated_at = now()
            WHERE organization_id = $1 AND id = $2`,
          [organizationId, episodeId, reasonId, text, receivedAt],
        );
        if (reasonId) await db.query(`UPDATE churn_reasons SET usage_count = usage_count + 1 WHERE id = $1`, [reasonId]);
        await appendEvents(db, organizationId, [{ name: EventName.ReasonRecorded, payload: { organizationId, clientId: client.id, episodeId, replyId } }]);
      }
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }

  /** A delivery report: delivered / undelivered moves the message (an in-doubt one is settled by it: the provider had it). */
  async handleStatus(payload: Record<string, unknown>): Promise<void> {
    const state = DELIVERY[str(payload.MessageStatus) ?? str(payload.CallStatus) ?? ''];
    if (!state) return;
    const { rowCount } = await this.pool.query(
      `UPDATE messages SET status = $3, delivered_at = CASE WHEN $3 = 'delivered' THEN coalesce(delivered_at, now()) ELSE delivered_at END,
              sent_at = coalesce(sent_at, now()), provider_message_id = coalesce(provider_message_id, $4), updated_at = now()
        WHERE organization_id = $1 AND id = $2 AND status IN ('sending', 'sent', 'in_doubt', 'delivered', 'undelivered')`,
      [str(payload.organizationId), str(payload.messageId), state, str(payload.MessageSid) ?? str(payload.CallSid)],
    );
    // A refused message of a campaign already done may still fall back: running again until the sweep decides.
    if (rowCount && state === 'undelivered') {
      await this.pool.query(
        `UPDATE campaigns SET status = 'running', finished_at = NULL, updated_at = now() WHERE id = (SELECT campaign_id FROM messages WHERE id = $1) AND status = 'done'`,
        [str(payload.messageId)],
      );
    }
  }

  private async setSmsConsent(db: PoolClient, organizationId: string, clientId: string, status: 'revoked' | 'granted'): Promise<void> {
    const { rowCount } = await db.query(`UPDATE clients SET consent_sms = $3 WHERE organization_id = $1 AND id = $2 AND consent_sms <> $3`, [organizationId, clientId, status]);
    if (rowCount) {
      await db.query(`INSERT INTO consent_changes (organization_id, client_id, channel, status, source) VALUES ($1, $2, 'sms', $3, 'sms-keyword')`, [organizationId, clientId, status]);
    }
  }

  /** Writes the reply once per inbound request; returns its id, or null when it was already written. */
  private async insertReply(
    db: PoolClient,
    r: { organizationId: string; clientId: string | null; messageId: string | null; episodeId: string | null; from: string | null; text: string; kind: string; reasonId: string | null; matchedBy: string | null; requestId: string; receivedAt: Date; needsReview: boolean },
  ): Promise<string | null> {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO replies (organization_id, client_id, message_id, episode_id, channel, from_address, text, kind, reason_id, match_score, matched_by, received_at, inbound_request_id, needs_review)
       VALUES ($1, $2, $3, $4, 'sms', $5, $6, $7, $8, CASE WHEN $8::bigint IS NULL THEN NULL ELSE 1 END, $9, $10, $11, $12)
       ON CONFLICT (inbound_request_id) WHERE inbound_request_id IS NOT NULL DO NOTHING
       RETURNING id::text`,
      [r.organizationId, r.clientId, r.messageId, r.episodeId, r.from, r.text || null, r.kind, r.reasonId, r.matchedBy, r.receivedAt, r.requestId, r.needsReview],
    );
    return rows[0]?.id ?? null;
  }
}
