import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { parseMessagingSettings } from '@comeback/campaigns';
import { ExpiringCache, PG_POOL } from '@comeback/platform';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** How long an organization's webhook secrets are trusted before they are read again. */
const TTL_MS = 60_000;
/** Organizations whose secrets are kept (an unknown organization is kept too, as null: ids come from requests). */
const MAX_ORGANIZATIONS = 10_000;

/** What the webhooks need of an organization: the providers' secrets and the HELP answer. */
export interface WebhookOrganization {
  name: string;
  contact: string | null;
  /** Twilio auth token (SMS provider 'twilio'), or null. */
  twilioToken: string | null;
  /** Viber bot token (Viber provider 'viber'), or null. */
  viberToken: string | null;
}

/**
 * The secrets webhook signatures are checked with, per organization: read from the environment
 * variables the organization's messaging settings name (never stored), kept for a minute, and the
 * last known ones kept while PostgreSQL is away, so the intake can still take requests then.
 */
@Injectable()
export class WebhookSecretsService {
  private readonly cache = new ExpiringCache<WebhookOrganization | null>(TTL_MS, MAX_ORGANIZATIONS);

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The organization, or null for an id that is not a UUID or names no organization. */
  async organization(organizationId: unknown): Promise<WebhookOrganization | null> {
    if (typeof organizationId !== 'string' || !UUID.test(organizationId)) return null;
    // One read per organization at a time; the last known secrets serve while it runs or fails.
    return this.cache.load(organizationId, (id) => this.read(id));
  }

  private async read(organizationId: string): Promise<WebhookOrganization | null> {
    const { rows } = await this.pool.query<{ name: string; messaging_settings: unknown }>(`SELECT name, messaging_settings FROM organizations WHERE id = $1`, [organizationId]);
    if (!rows.length) return null;
    const settings = parseMessagingSettings(rows[0].messaging_settings);
    const { sms, viber } = settings.providers;
    return {
      name: rows[0].name,
      contact: settings.contact ?? null,
      twilioToken: sms.type === 'twilio' ? (process.env[sms.authTokenEnv] ?? null) : null,
      viberToken: viber.type === 'viber' ? (process.env[viber.authTokenEnv] ?? null) : null,
    };
  }
}
