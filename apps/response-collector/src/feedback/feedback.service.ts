import { Inject, Injectable } from '@nestjs/common';
import { EventName } from '@comeback/contracts';
import { appendEvents } from '@comeback/events';
import { PG_POOL } from '@comeback/platform';
import { loadReasonBook, matchReason, recordReasonText } from '@comeback/reasons';
import type { Pool, PoolClient } from 'pg';
import { type FeedbackAnswer, parseFeedbackAnswer, type SubmittedValues } from './dto/feedback-answer.dto';
import { FeedbackError } from './feedback.errors';
import { choosePageLocale, type PageLocale, PublicTranslator } from './i18n/translator';
import { type PersonalLink, PersonalLinkService } from './personal-link.service';

/** How many of the organization's reasons the page offers (the most used first). */
export const OFFERED_REASONS = 6;

export interface ReasonChoice {
  id: string;
  label: string;
}

/** The feedback page of one link: in the client's language, with the organization's main reasons and the answer given so far. */
export interface FeedbackPageModel {
  t: PublicTranslator;
  organization: string;
  reasons: ReasonChoice[];
  values: SubmittedValues;
  /** When the answer shown was last sent, formatted; null before the first answer. */
  answeredAt: string | null;
}

export interface ThanksModel {
  t: PublicTranslator;
  organization: string;
  callMe: boolean;
  callTime: string | null;
}

/** What the reason matcher made of free text (see reasonForText). */
interface TextMatch {
  reasonId: string;
  score: number;
  matchedBy: 'alias' | 'fuzzy';
}

const EMPTY_VALUES: SubmittedValues = { reason: '', text: '', callMe: false, callTime: '', rating: '' };
const BIGINT = /^[1-9]\d{0,17}$/;

/**
 * The feedback page behind a message's personal link (`GET|POST /f/:token`) and what an answer
 * writes. One transaction per submission, with the message row locked (two submissions of one link
 * apply one after the other):
 * - feedback_responses: one row per message, updated by a second submission (never a second row);
 * - replies: one `feedback` reply per message, kept current by later submissions (the inbox shows
 *   the client's latest answer once, not every correction; feedback_responses keeps submitted_at);
 * - the campaign's churn episode (campaign_recipients.episode_id): the reason picked, the client's
 *   words as its note, reason_channel 'feedback', reason_set_at now; a passive episode becomes
 *   voluntary (the client says they decided, as when staff record a reason); a `reason.recorded`
 *   event in the outbox for the client card's timeline;
 * - churn_reasons.usage_count: +1 for a reason picked the first time, and when the client changes
 *   their pick the new one +1 and the old one -1 (it counts answers that name the reason, so a
 *   corrected answer does not count twice);
 * - messages.replied_at (first answer only: a replied message never falls back to another channel);
 * - "may we call you?": one open call task per client and cycle (the month, in the organization's
 *   time zone) in the retention queue, source 'asked', with the preferred time; a later answer
 *   that takes the request back removes that task while it is still open and was asked for.
 */
@Injectable()
export class FeedbackService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly links: PersonalLinkService,
  ) {}

  /** The page for a link; `submitted` (a refused form's values) replaces the stored answer in the fields. */
  async page(token: string, submitted?: SubmittedValues): Promise<FeedbackPageModel> {
    const link = await this.links.open(token);
    const locale = this.localeOf(link);
    const t = new PublicTranslator(locale.language, link.timezone);
    const previous = (
      await this.pool.query<{ reason_id: string | null; free_text: string | null; call_me: boolean; call_time: string | null; rating: number | null; updated_at: Date }>(
        `SELECT reason_id::text, free_text, call_me, call_time, rating, updated_at FROM feedback_responses WHERE message_id = $1`,
        [link.messageId],
      )
    ).rows[0];
    const values: SubmittedValues =
      submitted ??
      (previous
        ? { reason: previous.reason_id ?? '', text: previous.free_text ?? '', callMe: previous.call_me, callTime: previous.call_time ?? '', rating: previous.rating === null ? '' : String(previous.rating) }
        : EMPTY_VALUES);
    const reasons = await this.reasonChoices(link.organizationId, locale, values.reason);
    return { t, organization: link.organizationName, reasons, values, answeredAt: previous ? t.formatDateTime(previous.updated_at) : null };
  }

  /** Records an answer (see the class comment); a FeedbackError for a bad link (404/410) or a refused answer (400, nothing written). */
  async submit(token: string, body: unknown): Promise<ThanksModel> {
    const parsed = parseFeedbackAnswer(body);
    if (!parsed.ok) throw new FeedbackError('INVALID_ANSWER', 'the answer is not acceptable', parsed.problems);
    const answer = parsed.answer;
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const link = await this.links.open(token, db, true);
      if (answer.reasonId !== null && !(await this.isOffered(db, link.organizationId, answer.reasonId))) {
        throw new FeedbackError('INVALID_ANSWER', 'the reason is not one this organization offers', ['reason']);
      }
      await this.record(db, link, answer);
      await db.query('COMMIT');
      return { t: new PublicTranslator(this.localeOf(link).language, link.timezone), organization: link.organizationName, callMe: answer.callMe, callTime: answer.callTime };
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }

  private async record(db: PoolClient, link: PersonalLink, answer: FeedbackAnswer): Promise<void> {
    const { messageId, organizationId, clientId } = link;
    const previous = (
      await db.query<{ reason_id: string | null; call_me: boolean }>(`SELECT reason_id::text, call_me FROM feedback_responses WHERE message_id = $1`, [messageId])
    ).rows[0];
    const episodeId =
      (await db.query<{ episode_id: string | null }>(`SELECT episode_id::text FROM campaign_recipients WHERE campaign_id = $1 AND client_id = $2`, [link.campaignId, clientId]))
        .rows[0]?.episode_id ?? null;
    const matched = answer.reasonId === null && answer.text !== null ? await this.reasonForText(db, organizationId, answer.text, messageId) : null;
    const reasonId = answer.reasonId ?? matched?.reasonId ?? null;

    await db.query(
      `INSERT INTO feedback_responses (message_id, organization_id, client_id, reason_id, free_text, call_me, call_time, rating)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (message_id) DO UPDATE
         SET reason_id = EXCLUDED.reason_id, free_text = EXCLUDED.free_text, call_me = EXCLUDED.call_me,
             call_time = EXCLUDED.call_time, rating = EXCLUDED.rating, updated_at = now()`,
      [messageId, organizationId, clientId, answer.reasonId, answer.text, answer.callMe, answer.callTime, answer.rating],
    );

    const reply = {
      reasonId,
      score: answer.reasonId !== null ? 1 : (matched?.score ?? null),
      matchedBy: answer.reasonId !== null ? 'form' : (matched?.matchedBy ?? null),
      // Words no reason was found for wait for staff (and, once wired, the matcher's candidates).
      needsReview: reasonId === null && answer.text !== null,
    };
    const updated = await db.query<{ id: string }>(
      `UPDATE replies SET text = $4, reason_id = $5, match_score = $6, matched_by = $7, needs_review = $8, episode_id = $9, received_at = now()
        WHERE organization_id = $1 AND client_id = $2 AND message_id = $3 AND kind = 'feedback'
        RETURNING id::text`,
      [organizationId, clientId, messageId, answer.text, reply.reasonId, reply.score, reply.matchedBy, reply.needsReview, episodeId],
    );
    const replyId =
      updated.rows[0]?.id ??
      (
        await db.query<{ id: string }>(
          `INSERT INTO replies (organization_id, client_id, message_id, episode_id, channel, text, kind, reason_id, match_score, matched_by, received_at, needs_review)
           VALUES ($1, $2, $3, $4, 'feedback', $5, 'feedback', $6, $7, $8, now(), $9)
           RETURNING id::text`,
          [organizationId, clientId, messageId, episodeId, answer.text, reply.reasonId, reply.score, reply.matchedBy, reply.needsReview],
        )
      ).rows[0].id;

    if (episodeId !== null && (reasonId !== null || answer.text !== null)) {
      await db.query(
        `UPDATE churn_episodes
            SET reason_id = coalesce($4::bigint, reason_id), reason_note = coalesce($5, reason_note), reason_channel = 'feedback',
                reason_set_at = now(), reason_set_by = NULL,
                churn_type = CASE WHEN churn_type = 'passive' OR churn_type IS NULL THEN 'voluntary' ELSE churn_type END, updated_at = now()
          WHERE organization_id = $1 AND client_id = $2 AND id = $3`,
        [organizationId, clientId, episodeId, reasonId, answer.text],
      );
      await appendEvents(db, organizationId, [{ name: EventName.ReasonRecorded, payload: { organizationId, clientId, episodeId, replyId } }]);
    }

    const before = previous?.reason_id ?? null;
    if (answer.reasonId !== before) {
      if (answer.reasonId !== null) await db.query(`UPDATE churn_reasons SET usage_count = usage_count + 1 WHERE organization_id = $1 AND id = $2`, [organizationId, answer.reasonId]);
      if (before !== null) await db.query(`UPDATE churn_reasons SET usage_count = greatest(usage_count - 1, 0) WHERE organization_id = $1 AND id = $2`, [organizationId, before]);
    }

    await db.query(`UPDATE messages SET replied_at = coalesce(replied_at, now()), updated_at = now() WHERE id = $1`, [messageId]);

    // The win-back cycle is the current month where the organization is.
    const cycle = `(date_trunc('month', now() AT TIME ZONE o.timezone))::date`;
    if (answer.callMe) {
      await db.query(
        `INSERT INTO call_tasks (organization_id, client_id, episode_id, cycle, queue, source, preferred_time)
         SELECT o.id, $2, $3, ${cycle}, 'retention', 'asked', $4 FROM organizations o WHERE o.id = $1
         ON CONFLICT (organization_id, client_id, cycle) DO UPDATE
           SET preferred_time = coalesce(EXCLUDED.preferred_time, call_tasks.preferred_time),
               episode_id = coalesce(call_tasks.episode_id, EXCLUDED.episode_id), updated_at = now()`,
        [organizationId, clientId, episodeId, answer.callTime],
      );
    } else if (previous?.call_me) {
      await db.query(
        `DELETE FROM call_tasks t USING organizations o
          WHERE o.id = $1 AND t.organization_id = $1 AND t.client_id = $2 AND t.cycle = ${cycle} AND t.source = 'asked' AND t.status = 'open'`,
        [organizationId, clientId],
      );
    }
  }

  /**
   * Free text sent without a picked reason, matched by the reason list (libs/reasons) inside the
   * submission's transaction: an exact label or alias, then fuzzy similarity on any script; below
   * the threshold it becomes a candidate for staff and this returns null (the words stay on the
   * reply, with needs_review, and on the episode). A matched reason's usage is counted by the list.
   */
  private async reasonForText(db: PoolClient, organizationId: string, text: string, messageId: string): Promise<TextMatch | null> {
    // The same words submitted again are matched again but not counted again (usage, candidate occurrences).
    const previous = (await db.query<{ free_text: string | null }>(`SELECT free_text FROM feedback_responses WHERE message_id = $1`, [messageId])).rows[0]?.free_text;
    if (previous === text) {
      const match = matchReason(text, await loadReasonBook(db, organizationId));
      return match.outcome === 'matched' && match.reasonId && match.matchedBy ? { reasonId: match.reasonId, score: match.score ?? 1, matchedBy: match.matchedBy } : null;
    }
    const recorded = await recordReasonText(db, { organizationId, text });
    return recorded.reasonId && recorded.matchedBy ? { reasonId: recorded.reasonId, score: recorded.score ?? 1, matchedBy: recorded.matchedBy } : null;
  }


  /** Whether a reason id (from the form: not trusted) is one of this organization's current reasons. */
  private async isOffered(db: PoolClient, organizationId: string, reasonId: string): Promise<boolean> {
    const { rows } = await db.query(
      `SELECT 1 FROM churn_reasons WHERE organization_id = $1 AND id = $2 AND retired_at IS NULL AND merged_into_id IS NULL`,
      [organizationId, reasonId],
    );
    return rows.length > 0;
  }

  /**
   * The reasons the page offers: the organization's most used current ones (not retired, not
   * merged into another), plus the one the client picked before if it is not among them, each
   * labelled in the page's locale (reason_labels, by region then language), else the default label.
   */
  private async reasonChoices(organizationId: string, locale: PageLocale, picked: string): Promise<ReasonChoice[]> {
    const { rows } = await this.pool.query<ReasonChoice>(
      `WITH current AS (
         SELECT id, label, usage_count FROM churn_reasons WHERE organization_id = $1 AND retired_at IS NULL AND merged_into_id IS NULL
       ), offered AS (
         (SELECT * FROM current ORDER BY usage_count DESC, id LIMIT $4)
         UNION
         SELECT * FROM current WHERE id = $5::bigint
       )
       SELECT r.id::text,
              coalesce((SELECT l.label FROM reason_labels l WHERE l.reason_id = r.id AND lower(l.locale) IN ($2, $3)
                         ORDER BY lower(l.locale) = $2 DESC, l.locale LIMIT 1), r.label) AS label
         FROM offered r
        ORDER BY r.usage_count DESC, r.id`,
      [organizationId, locale.tag, locale.language, OFFERED_REASONS, BIGINT.test(picked) ? picked : null],
    );
    return rows;
  }

  /** The page's language: the client's, else their message's, else the organization's default; English as the last resort. */
  private localeOf(link: PersonalLink): PageLocale {
    return choosePageLocale([link.clientLocale, link.messageLocale, link.organizationLocale]);
  }
}
