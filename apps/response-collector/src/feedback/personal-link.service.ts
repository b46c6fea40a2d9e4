import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Channel, ConsentStatus } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
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
    const { rows } = await db.query<LinkRow>(
      `SELECT m.id::text AS "messageId", m.campaign_id::text AS "campaignId", m.organization_id AS "organizationId", m.client_id::text AS "clientId",
              m.channel, m.locale AS "messageLocale", c.locale AS "clientLocale",
              CASE m.channel WHEN 'sms' THEN c.consent_sms WHEN 'email' THEN c.consent_email WHEN 'viber' THEN c.consent_viber ELSE c.consent_voice END AS consent,
              o.name AS "organizationName", o.default_locale AS "organizationLocale", o.timezone,
              CASE WHEN m.feedback_revoked_at IS NOT NULL THEN 'revoked'
                   WHEN coalesce(m.sent_at, m.queued_at) + make_interval(days => $2) <= now() THEN 'expired'
                   ELSE 'valid' END AS state
         FROM messages m
         JOIN organizations o ON o.id = m.organization_id
         JOIN clients c ON c.organization_id = m.organization_id AND c.id = m.client_id
        WHERE m.feedback_token_hash = $1
        ${lock ? 'FOR UPDATE OF m' : ''}`,
      [tokenHash(token), this.options.linkDays],
    );
    const row = rows[0];
    if (!row) throw new FeedbackError('LINK_UNKNOWN', 'no message has this link');
    if (row.state !== 'valid') throw new FeedbackError('LINK_GONE', `the link is ${row.state}`);
    const { state, ...link } = row;
    void state;
    return link;
  }
}
