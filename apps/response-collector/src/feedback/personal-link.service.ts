import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Channel, ConsentStatus } from '@comeback/domain';
import { PG_POOL, StatementBatcher } from '@comeback/platform';
import type { Pool, PoolClient } from 'pg';
import { FeedbackError } from './feedback.errors';
import { FEEDBACK_OPTIONS, type FeedbackOptions } from './feedback.options';

/** What a valid personal link opens: one message to one client, and whose they are. Never shown to anyone but that link's holder. */
export interface PersonalLink {
  messageId: string;
  campaignId: string;
  organizationId: string;
  clientId: string;
  channel: Channel;
  /** The client's consent on the message's channel, now. */
  consent: ConsentStatus;
  clientLocale: string | null;
  messageLocale: string;
  organizationName: string;
  organizationLocale: string;
  timezone: string;
}

interface LinkRow extends PersonalLink {
  state: 'valid' | 'expired' | 'revoked';
}

type AnswerRow = LinkRow & { reasonOffered: boolean };

/** The answer given through a link so far, as the feedback page shows it (`updatedAt` as JSON gives it). */
export interface PreviousAnswer {
  reasonId: string | null;
  freeText: string | null;
  callMe: boolean;
  callTime: string | null;
  rating: number | null;
  updatedAt: string;
}

/** A link opened to take an answer: whether the reason the form named is one the organization offers now. */
export interface AnswerableLink extends PersonalLink {
  /** The form's reason is one of the organization's current reasons (not retired, not merged), or the form named none. */
  reasonOffered: boolean;
}

/** SHA-256 of a link token, as messages.feedback_token_hash holds it (the token itself is never stored). */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Opens the personal link of a campaign message: `<PUBLIC_FEEDBACK_URL>/f/<token>` (feedback) and
 * `/u/<token>` (unsubscribe) carry the same token. It is looked up by its SHA-256 through the unique
 * index on messages.feedback_token_hash, so the database compares hashes and no comparison of the
 * secret happens in our code (nothing to time). Every token, well-formed or not, costs the same
 * one query, and unknown, expired and revoked links differ only in their status code.
 *
 * A link works from the time its message was sent (queued, if it never left) for
 * FEEDBACK_LINK_DAYS days, and not at all once staff revoked it.
 */
@Injectable()
export class PersonalLinkService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(FEEDBACK_OPTIONS) private readonly options: FeedbackOptions,
  ) {}

  /**
   * The link's message, or a FeedbackError (LINK_UNKNOWN → 404, LINK_GONE → 410). Inside a
   * transaction pass its client and `lock`: the message row is then held until it commits, so two
   * submissions of one link are applied one after the other.
   */
  async open(token: string, db: Pool | PoolClient = this.pool, lock = false): Promise<PersonalLink> {
    const { rows } = await db.query<LinkRow>(this.sql(lock, ''), [tokenHash(token), this.options.linkDays]);
    return this.valid(rows[0]);
  }

  /**
   * The link as `open` finds it, and whether `reasonId` (from the form: not trusted) is one of the
   * link's organization's current reasons, in the same statement. Answers come by the thousand, so
   * the checks asked for in one turn of the event loop go to PostgreSQL as one statement
   * (`answerChecks`), as the intake's jobs go to Redis in one write: each answer still gets its own
   * link's row, and PostgreSQL parses, plans and runs one statement where it did dozens.
   */
  async openForAnswer(token: string, reasonId: string | null): Promise<AnswerableLink> {
    return this.valid(await this.answerChecks.ask({ hash: tokenHash(token), reasonId }));
  }

  /**
   * The link as `open` finds it, with the answer given through it so far (null before the first),
   * for the feedback page. Pages are opened by the thousand too (a campaign's texts arrive at
   * once), so they are read in batches as answers are checked (`pageReads`): one statement per
   * turn of the event loop, where each page took two.
   */
  async openForPage(token: string): Promise<PersonalLink & { previous: PreviousAnswer | null }> {
    return this.valid(await this.pageReads.ask(tokenHash(token)));
  }

  private readonly answerChecks = new StatementBatcher<{ hash: Buffer; reasonId: string | null }, AnswerRow>(async (batch) =>
    (
      await this.pool.query<AnswerRow & { n: string }>(
        `SELECT q.n::text AS n, ${linkColumns('$3')},
                (q.reason_id IS NULL OR EXISTS (
                  SELECT 1 FROM churn_reasons r WHERE r.organization_id = m.organization_id AND r.id = q.reason_id AND r.retired_at IS NULL AND r.merged_into_id IS NULL
                )) AS "reasonOffered"
           FROM unnest($1::bytea[], $2::bigint[]) WITH ORDINALITY AS q(hash, reason_id, n)
           JOIN messages m ON m.feedback_token_hash = q.hash
           ${LINK_JOINS}`,
        [batch.map((w) => w.hash), batch.map((w) => w.reasonId), this.options.linkDays],
      )
    ).rows,
  );

  private readonly pageReads = new StatementBatcher<Buffer, LinkRow & { previous: PreviousAnswer | null }>(async (hashes) =>
    (
      await this.pool.query<LinkRow & { n: string; previous: PreviousAnswer | null }>(
        `SELECT q.n::text AS n, ${linkColumns('$2')},
                (SELECT jsonb_build_object('reasonId', f.reason_id::text, 'freeText', f.free_text, 'callMe', f.call_me, 'callTime', f.call_time,
                                           'rating', f.rating, 'updatedAt', f.updated_at)
                   FROM feedback_responses f WHERE f.message_id = m.id) AS previous
           FROM unnest($1::bytea[]) WITH ORDINALITY AS q(hash, n)
           JOIN messages m ON m.feedback_token_hash = q.hash
           ${LINK_JOINS}`,
        [hashes, this.options.linkDays],
      )
    ).rows,
  );

  private valid<T extends LinkRow>(row: T | undefined): Omit<T, 'state'> {
    if (!row) throw new FeedbackError('LINK_UNKNOWN', 'no message has this link');
    if (row.state !== 'valid') throw new FeedbackError('LINK_GONE', `the link is ${row.state}`);
    const { state, ...link } = row;
    void state;
    return link;
  }

  private sql(lock: boolean, extra: string): string {
    return `SELECT ${linkColumns('$2')}${extra}
         FROM messages m
         ${LINK_JOINS}
        WHERE m.feedback_token_hash = $1
        ${lock ? 'FOR UPDATE OF m' : ''}`;
  }
}

/** What a link's row holds (PersonalLink and its state), FEEDBACK_LINK_DAYS being the parameter `days`. */
function linkColumns(days: string): string {
  return `m.id::text AS "messageId", m.campaign_id::text AS "campaignId", m.organization_id AS "organizationId", m.client_id::text AS "clientId",
              m.channel, m.locale AS "messageLocale", c.locale AS "clientLocale",
              CASE m.channel WHEN 'sms' THEN c.consent_sms WHEN 'email' THEN c.consent_email WHEN 'viber' THEN c.consent_viber ELSE c.consent_voice END AS consent,
              o.name AS "organizationName", o.default_locale AS "organizationLocale", o.timezone,
              CASE WHEN m.feedback_revoked_at IS NOT NULL THEN 'revoked'
                   WHEN coalesce(m.sent_at, m.queued_at) + make_interval(days => ${days}) <= now() THEN 'expired'
                   ELSE 'valid' END AS state`;
}

/** The link's message joined to its organization and client. */
const LINK_JOINS = `JOIN organizations o ON o.id = m.organization_id
         JOIN clients c ON c.organization_id = m.organization_id AND c.id = m.client_id`;
