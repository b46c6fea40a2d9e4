import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { EventName } from '@comeback/contracts';
import { inTransaction } from '@comeback/domain';
import { appendEvents } from '@comeback/events';
import { PG_POOL } from '@comeback/platform';
import { loadReasonBook, matchReason, recordReasonText } from '@comeback/reasons';
import type { InboundOutcome } from '../intake/inbound-outcome';
import type { FeedbackAnswer } from './dto/feedback-answer.dto';
import { type FeedbackSubmission, readFeedbackSubmission } from './feedback-submission';
import { FEEDBACK_OPTIONS, type FeedbackOptions } from './feedback.options';

/** What the matcher made of free text sent without a picked reason. */
interface TextMatch {
  reasonId: string;
  score: number;
  matchedBy: 'alias' | 'fuzzy';
}

/** The link's message, locked, with what the answer is written against. */
interface LockedLink {
  messageId: string;
  organizationId: string;
  clientId: string;
  /** The churn episode the campaign was about (campaign_recipients.episode_id). */
  episodeId: string | null;
  /** The link's state when the answer was sent (checked here only for answers taken while PostgreSQL was away). */
  state: 'valid' | 'expired' | 'revoked';
  /** The form's reason, followed to the reason it was merged into; null when it is not the organization's. */
  reasonId: string | null;
  /** The form's reason is current (not retired, not merged). */
  reasonCurrent: boolean | null;
  previousText: string | null;
  previousCallMe: boolean | null;
  /** The answer applied so far was sent after this one (feedback_responses.updated_at is when it was sent). */
  superseded: boolean;
}

/**
 * Writes a feedback answer the page accepted (the inbound worker calls it for each `feedback`
 * job). One transaction per answer, with the message row locked, so the answers of one link are
 * applied one after the other and in the order they were sent: an answer older than the one
 * already applied (jobs run concurrently) changes nothing. What an answer writes:
 * - feedback_responses: one row per message, updated by a later answer (never a second row);
 *   submitted_at is the first answer's time, updated_at the latest's;
 * - replies: one `feedback` reply per message, kept current by later answers (the inbox shows the
 *   client's latest answer once; its reason counts for the reason's usage, see listReasons);
 * - the campaign's churn episode (campaign_recipients.episode_id): the reason picked, the client's
 *   words as its note, reason_channel 'feedback', reason_set_at; a passive episode becomes
 *   voluntary (the client says they decided, as when staff record a reason); a `reason.recorded`
 *   event in the outbox for the client card's timeline;
 * - messages.replied_at (first answer only: a replied message never falls back to another channel);
 * - "may we call you?": one open call task per client and cycle (the month, in the organization's
 *   time zone) in the retention queue, source 'asked', with the preferred time (a task reached
 *   already this cycle is reopened); a later answer that takes the request back removes that task
 *   while nobody has rung, or sets a reopened one back to done.
 * An answer taken while PostgreSQL was unreachable was not checked then: its link must have been
 * valid, and its reason one of the organization's current reasons, when it was sent; otherwise
 * nothing is written and the inbound request says why.
 */
@Injectable()
export class FeedbackRecorder {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(FEEDBACK_OPTIONS) private readonly options: FeedbackOptions,
  ) {}

  /**
   * Writes the answer (an inbound job's payload); returns, once committed, how many events it wrote
   * and, when it wrote nothing, why (a sentence for inbound_requests).
   */
  async record(payload: Record<string, unknown>): Promise<InboundOutcome> {
    const submission = readFeedbackSubmission(payload);
    return inTransaction(this.pool, (db) => this.apply(db, submission));
  }

  private async apply(db: PoolClient, submission: FeedbackSubmission): Promise<InboundOutcome> {
    const { answer, sentAt: at } = submission;
    const notWritten = (why: string): InboundOutcome => ({ note: `not written: ${why}`, events: 0 });
    const link = await this.lockLink(db, submission);
    if (!link) return notWritten('no message has this link');
    if (!submission.checked && link.state !== 'valid') return notWritten(`the link was ${link.state} when the answer was sent`);
    if (answer.reasonId !== null && (link.reasonId === null || (!submission.checked && !link.reasonCurrent))) {
      return notWritten('the reason is not one this organization offers');
    }
    if (link.superseded) {
      // A later answer was applied first: this one only says when the client first answered.
      await db.query(`UPDATE feedback_responses SET submitted_at = least(submitted_at, $2) WHERE message_id = $1`, [link.messageId, at]);
      return notWritten('a later answer of this link was applied already');
    }
    return { note: null, events: await this.write(db, link, answer, at) };
  }

  /**
   * The message row, locked until the transaction ends, with its episode and the form's reason
   * (the organization's, following a merge); then, read once the lock is held, the answer applied
   * so far. Two statements on purpose: a statement that waited for the lock sees the other tables
   * as they were when it started (READ COMMITTED), so the answer another transaction just
   * committed under that lock is only visible to the next statement.
   */
  private async lockLink(db: PoolClient, submission: FeedbackSubmission): Promise<LockedLink | undefined> {
    const where = submission.checked ? `m.id = $1::bigint AND m.organization_id = $5::uuid` : `m.feedback_token_hash = $1`;
    const params: unknown[] = [
      submission.checked ? submission.messageId : Buffer.from(submission.tokenHash, 'hex'),
      submission.sentAt,
      this.options.linkDays,
      submission.answer.reasonId,
      ...(submission.checked ? [submission.organizationId] : []),
    ];
    const { rows } = await db.query<Omit<LockedLink, 'superseded' | 'previousText' | 'previousCallMe'>>(
      `SELECT m.id::text AS "messageId", m.organization_id AS "organizationId", m.client_id::text AS "clientId", cr.episode_id::text AS "episodeId",
              CASE WHEN m.feedback_revoked_at <= $2::timestamptz THEN 'revoked'
                   WHEN coalesce(m.sent_at, m.queued_at) + make_interval(days => $3) <= $2::timestamptz THEN 'expired'
                   ELSE 'valid' END AS state,
              rs.id::text AS "reasonId", rs.current AS "reasonCurrent"
         FROM messages m
         LEFT JOIN campaign_recipients cr ON cr.campaign_id = m.campaign_id AND cr.client_id = m.client_id
         LEFT JOIN LATERAL (
           SELECT coalesce(r.merged_into_id, r.id) AS id, r.retired_at IS NULL AND r.merged_into_id IS NULL AS current
             FROM churn_reasons r WHERE r.organization_id = m.organization_id AND r.id = $4::bigint
         ) rs ON true
        WHERE ${where}
          FOR UPDATE OF m`,
      params,
    );
    if (!rows.length) return undefined;
    const previous = (
      await db.query<{ superseded: boolean; previousText: string | null; previousCallMe: boolean }>(
        `SELECT updated_at > $2::timestamptz AS superseded, free_text AS "previousText", call_me AS "previousCallMe" FROM feedback_responses WHERE message_id = $1`,
        [rows[0].messageId, submission.sentAt],
      )
    ).rows[0];
    return { ...rows[0], superseded: previous?.superseded ?? false, previousText: previous?.previousText ?? null, previousCallMe: previous?.previousCallMe ?? null };
  }

  /** Writes the answer; `at` is when it was sent (ISO, microseconds). Returns how many events it wrote to the outbox. */
  private async write(db: PoolClient, link: LockedLink, answer: FeedbackAnswer, at: string): Promise<number> {
    const { messageId, organizationId, clientId, episodeId } = link;
    const picked = answer.reasonId === null ? null : link.reasonId;
    const matched = picked === null && answer.text !== null ? await this.reasonForText(db, organizationId, answer.text, link.previousText) : null;
    const reasonId = picked ?? matched?.reasonId ?? null;

    const reply = {
      reasonId,
      score: picked !== null ? 1 : (matched?.score ?? null),
      matchedBy: picked !== null ? 'form' : (matched?.matchedBy ?? null),
      // Words no reason was found for wait for staff.
      needsReview: reasonId === null && answer.text !== null,
    };
    const writeEpisode = episodeId !== null && (reasonId !== null || answer.text !== null);
    // The answer's rows in one statement (one round trip): the response; the message's one feedback
    // reply, updated or inserted (the message row is locked, so no race); the episode the campaign
    // was about; the message's first reply time.
    const { rows } = await db.query<{ reply_id: string }>(
      `WITH response AS (
         INSERT INTO feedback_responses (message_id, organization_id, client_id, reason_id, free_text, call_me, call_time, rating, submitted_at, updated_at)
         VALUES ($3, $1, $2, $4, $5, $6, $7, $8, $9, $9)
         ON CONFLICT (message_id) DO UPDATE
           SET reason_id = EXCLUDED.reason_id, free_text = EXCLUDED.free_text, call_me = EXCLUDED.call_me,
               call_time = EXCLUDED.call_time, rating = EXCLUDED.rating, updated_at = EXCLUDED.updated_at
       ), updated AS (
         UPDATE replies SET text = $5, reason_id = $10, match_score = $11, matched_by = $12, needs_review = $13, episode_id = $14, received_at = $9
          WHERE organization_id = $1 AND client_id = $2 AND message_id = $3 AND kind = 'feedback'
          RETURNING id
       ), inserted AS (
         INSERT INTO replies (organization_id, client_id, message_id, episode_id, channel, text, kind, reason_id, match_score, matched_by, received_at, needs_review)
         SELECT $1, $2, $3, $14, 'feedback', $5, 'feedback', $10, $11, $12, $9, $13 WHERE NOT EXISTS (SELECT 1 FROM updated)
         RETURNING id
       ), episode AS (
         UPDATE churn_episodes
            SET reason_id = coalesce($10::bigint, reason_id), reason_note = coalesce($5, reason_note), reason_channel = 'feedback',
                reason_set_at = $9, reason_set_by = NULL,
                churn_type = CASE WHEN churn_type = 'passive' OR churn_type IS NULL THEN 'voluntary' ELSE churn_type END, updated_at = now()
          WHERE $15 AND organization_id = $1 AND client_id = $2 AND id = $14
       ), message AS (
         UPDATE messages SET replied_at = coalesce(replied_at, $9), updated_at = now() WHERE id = $3
       )
       SELECT id::text AS reply_id FROM updated UNION ALL SELECT id::text FROM inserted`,
      [
        organizationId, clientId, messageId, picked, answer.text, answer.callMe, answer.callTime, answer.rating, at,
        reply.reasonId, reply.score, reply.matchedBy, reply.needsReview, episodeId, writeEpisode,
      ],
    );
    const events = writeEpisode
      ? await appendEvents(db, organizationId, [{ name: EventName.ReasonRecorded, payload: { organizationId, clientId, episodeId, replyId: rows[0].reply_id } }])
      : [];

    // The win-back cycle is the current month where the organization is.
    const cycle = `(date_trunc('month', now() AT TIME ZONE o.timezone))::date`;
    if (answer.callMe) {
      await db.query(
        `INSERT INTO call_tasks (organization_id, client_id, episode_id, cycle, queue, source, preferred_time)
           SELECT o.id, $2, $3, ${cycle}, 'retention', 'asked', $4 FROM organizations o WHERE o.id = $1
           ON CONFLICT (organization_id, client_id, cycle) DO UPDATE
             SET preferred_time = coalesce(EXCLUDED.preferred_time, call_tasks.preferred_time),
                 episode_id = coalesce(call_tasks.episode_id, EXCLUDED.episode_id),
                 -- Reached already this cycle and asking again: the client wants another call, so
                 -- the task is to ring again (its calls so far stay on it). A closed task (do not
                 -- call, wrong number) stays closed: a person decided that.
                 status = CASE WHEN call_tasks.status = 'done' THEN 'open' ELSE call_tasks.status END,
                 source = CASE WHEN call_tasks.status = 'done' THEN 'asked' ELSE call_tasks.source END,
                 call_back_at = CASE WHEN call_tasks.status = 'done' THEN NULL ELSE call_tasks.call_back_at END,
                 updated_at = now()`,
        [organizationId, clientId, episodeId, answer.callTime],
      );
    } else if (link.previousCallMe) {
      // Taken back: the task the request made goes while nobody has rung yet; a reached task the
      // request reopened goes back to done. A task with calls on it is never deleted (its outcomes
      // are the client's history).
      await db.query(
        `WITH asked AS (
           SELECT t.id, t.attempts, EXISTS (SELECT 1 FROM call_outcomes c WHERE c.task_id = t.id AND c.outcome = 'reached') AS reached
             FROM call_tasks t JOIN organizations o ON o.id = t.organization_id
            WHERE t.organization_id = $1 AND t.client_id = $2 AND t.cycle = ${cycle} AND t.source = 'asked' AND t.status = 'open'
              FOR UPDATE OF t
         ), removed AS (
           DELETE FROM call_tasks t USING asked a WHERE t.id = a.id AND a.attempts = 0 AND NOT a.reached
         )
         UPDATE call_tasks t SET status = 'done', updated_at = now() FROM asked a WHERE t.id = a.id AND a.reached`,
        [organizationId, clientId],
      );
    }
    return events.length;
  }

  /**
   * Free text sent without a picked reason, matched by the reason list (libs/reasons) inside the
   * answer's transaction: an exact label or alias, then fuzzy similarity on any script; below the
   * threshold it becomes a candidate for staff and this returns null (the words stay on the reply,
   * with needs_review, and on the episode). The same words sent again are matched again but not
   * filed again (candidate occurrences).
   */
  private async reasonForText(db: PoolClient, organizationId: string, text: string, previousText: string | null): Promise<TextMatch | null> {
    if (previousText === text) {
      const match = matchReason(text, await loadReasonBook(db, organizationId));
      return match.outcome === 'matched' && match.reasonId && match.matchedBy ? { reasonId: match.reasonId, score: match.score ?? 1, matchedBy: match.matchedBy } : null;
    }
    // The reply this answer keeps current counts for the reason (countUsage: false: no write to the reason's row).
    const recorded = await recordReasonText(db, { organizationId, text, countUsage: false });
    return recorded.reasonId && recorded.matchedBy ? { reasonId: recorded.reasonId, score: recorded.score ?? 1, matchedBy: recorded.matchedBy } : null;
  }
}
