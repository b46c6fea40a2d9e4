import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import twilio from 'twilio';
import { parseMessagingSettings } from '@comeback/campaigns';
import { PG_POOL } from '@comeback/platform';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** How long an organization's Twilio settings are trusted before they are read again. */
const TTL_MS = 60_000;

interface OrgTwilio {
  authToken: string | null;
  name: string;
  contact: string | null;
  at: number;
}

/**
 * Checks `X-Twilio-Signature` against the auth token of the organization the webhook names
 * (`?org=<id>` in the URL Twilio was given; the signature covers the whole URL, so once it checks
 * out the id is Twilio's word, not the caller's). Tokens come from the environment variable the
 * organization's settings name; they are kept for a minute, so signatures can still be checked
 * for a while if PostgreSQL goes away (the intake then queues the request in Redis).
 */
@Injectable()
export class TwilioAuthService {
  private readonly cache = new Map<string, OrgTwilio>();

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Whether the request is signed by the organization's Twilio account. `url` is the full public URL Twilio called. */
  async verify(organizationId: unknown, signature: unknown, url: string, params: Record<string, unknown>): Promise<boolean> {
    if (typeof organizationId !== 'string' || !UUID.test(organizationId) || typeof signature !== 'string' || !signature) return false;
    const org = await this.organization(organizationId);
    if (!org?.authToken) return false;
    // The SDK compares in constant time and tries the URL with and without the port, as Twilio signs it.
    return twilio.validateRequest(org.authToken, signature, url, params);
  }

  /** The organization's name and contact (the HELP answer), from the same cache. */
  async organization(organizationId: string): Promise<OrgTwilio | null> {
    const cached = this.cache.get(organizationId);
    if (cached && Date.now() - cached.at < TTL_MS) return cached;
    try {
      const { rows } = await this.pool.query<{ name: string; messaging_settings: unknown }>(`SELECT name, messaging_settings FROM organizations WHERE id = $1`, [organizationId]);
      if (!rows.length) return null;
      const settings = parseMessagingSettings(rows[0].messaging_settings);
      const sms = settings.providers.sms;
      const entry: OrgTwilio = {
        authToken: sms.type === 'twilio' ? (process.env[sms.authTokenEnv] ?? null) : null,
        name: rows[0].name,
        contact: settings.contact ?? null,
        at: Date.now(),
      };
      this.cache.set(organizationId, entry);
      return entry;
    } catch (err) {
      // The database is away: the last known settings still verify signatures.
      if (cached) return cached;
      throw err;
    }
  }
}
