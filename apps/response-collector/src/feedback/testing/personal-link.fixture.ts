import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

/** A campaign message with its personal link, as the fan-out writes it (only the token's SHA-256 is stored). */
export interface LinkedMessage {
  token: string;
  messageId: string;
  campaignId: string;
  clientId: string;
  episodeId: string | null;
}

export interface LinkedMessageOptions {
  clientName?: string;
  clientLocale?: string | null;
  messageLocale?: string;
  channel?: 'sms' | 'email' | 'viber' | 'voice';
  /** How long ago the message was sent (null: still queued, `queuedDaysAgo` counts). */
  sentDaysAgo?: number | null;
  queuedDaysAgo?: number;
  revoked?: boolean;
  /** Whether the client has an open episode the campaign is about (default true). */
  episode?: boolean;
  /** An existing client of the organization instead of a new one (their open episode, if any, is the campaign's). */
  clientId?: string;
}

/**
 * Test rows of one campaign message to one client (a new client unless given), with its episode
 * and campaign_recipients row, and a new link token in the fan-out's format (24 base64url
 * characters; messages.feedback_token_hash = SHA-256 of it).
 */
export async function linkedMessage(pool: Pool, organizationId: string, o: LinkedMessageOptions = {}): Promise<LinkedMessage> {
  const token = randomBytes(18).toString('base64url');
  const channel = o.channel ?? 'email';
  const clientId =
    o.clientId ??
    (
      await pool.query<{ id: string }>(
        `INSERT INTO clients (organization_id, external_id, name, phone, email, locale, consent_sms, consent_email)
         VALUES ($1, $2, $3, '+995555123456', 'client@example.test', $4, 'granted', 'granted') RETURNING id::text`,
        [organizationId, `c-${randomBytes(5).toString('hex')}`, o.clientName ?? 'Nino Beridze', o.clientLocale === undefined ? null : o.clientLocale],
      )
    ).rows[0].id;
  const open = o.clientId
    ? (await pool.query<{ id: string }>(`SELECT id::text FROM churn_episodes WHERE organization_id = $1 AND client_id = $2 AND status IN ('at_risk', 'lapsed')`, [organizationId, clientId])).rows[0]
    : undefined;
  const episodeId =
    o.episode === false
      ? null
      : open
        ? open.id
        : (
          await pool.query<{ id: string }>(
            `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, lapsed_at, last_visit_at, left_on, churn_type, method, revenue_12m)
             VALUES ($1, $2, 'lapsed', now(), now(), now() - interval '120 days', current_date - 119, 'passive', 'cadence', 300) RETURNING id::text`,
            [organizationId, clientId],
          )
        ).rows[0].id;
  const campaignId = (
    await pool.query<{ id: string }>(
      `INSERT INTO campaigns (organization_id, name, status, template_key, channels, started_at, fanned_out_at)
       VALUES ($1, 'Why did you leave?', 'running', 'ask', ARRAY[$2], now(), now()) RETURNING id::text`,
      [organizationId, channel],
    )
  ).rows[0].id;
  await pool.query(`INSERT INTO campaign_recipients (campaign_id, client_id, organization_id, episode_id, control) VALUES ($1, $2, $3, $4, false)`, [
    campaignId,
    clientId,
    organizationId,
    episodeId,
  ]);
  const sentDaysAgo = o.sentDaysAgo === undefined ? 1 : o.sentDaysAgo;
  const messageId = (
    await pool.query<{ id: string }>(
      `INSERT INTO messages (organization_id, campaign_id, client_id, channel, status, to_address, locale, content, feedback_token_hash,
                             queued_at, sent_at, feedback_revoked_at)
       VALUES ($1, $2, $3, $4, $5, 'client@example.test', $6, '{}', decode($7, 'hex'),
               now() - make_interval(days => $8), CASE WHEN $9::int IS NULL THEN NULL ELSE now() - make_interval(days => $9::int) END,
               CASE WHEN $10 THEN now() END)
       RETURNING id::text`,
      [
        organizationId,
        campaignId,
        clientId,
        channel,
        sentDaysAgo === null ? 'queued' : 'delivered',
        o.messageLocale ?? 'en',
        createHash('sha256').update(token).digest('hex'),
        o.queuedDaysAgo ?? sentDaysAgo ?? 0,
        sentDaysAgo,
        o.revoked ?? false,
      ],
    )
  ).rows[0].id;
  return { token, messageId, campaignId, clientId, episodeId };
}

/** A reason of the organization with optional labels per locale; returns its id. */
export async function reason(pool: Pool, organizationId: string, label: string, o: { usage?: number; labels?: Record<string, string>; retired?: boolean } = {}): Promise<string> {
  const id = (
    await pool.query<{ id: string }>(
      `INSERT INTO churn_reasons (organization_id, label, usage_count, retired_at) VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END) RETURNING id::text`,
      [organizationId, label, o.usage ?? 0, o.retired ?? false],
    )
  ).rows[0].id;
  for (const [locale, text] of Object.entries(o.labels ?? {})) {
    await pool.query(`INSERT INTO reason_labels (reason_id, locale, label) VALUES ($1, $2, $3)`, [id, locale, text]);
  }
  return id;
}
