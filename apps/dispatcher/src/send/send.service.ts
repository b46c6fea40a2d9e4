import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { nextAllowedAt, parseMessagingSettings } from '@comeback/campaigns';
import type { Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { ProviderError, type ChannelProvider, type OutboundMessage } from '../providers/channel-provider';
import { ProviderRegistry } from '../providers/provider-registry';
import { DISPATCH_OPTIONS, type DispatchOptions } from './send.tokens';

/**
 * How long a claim protects a message. A message found 'sending' with a younger claim belongs to
 * a worker that is still at it (its job lock lapsed while it waited on a slow provider): that is a
 * retry later, not a crash to settle.
 */
const CLAIM_LEASE_MS = 60_000;

export type SendOutcome =
  | { kind: 'sent'; providerMessageId: string }
  | { kind: 'settled-sent'; providerMessageId: string }
  | { kind: 'in-doubt' }
  | { kind: 'failed'; code: string }
  | { kind: 'dead'; code: string }
  | { kind: 'delayed'; until: Date }
  | { kind: 'skipped'; status: string };

/** Raised to have BullMQ move the job back to delayed (quiet hours) instead of retrying it. */
export class DelayUntil extends Error {
  constructor(readonly until: Date) {
    super(`delayed until ${until.toISOString()}`);
  }
}

interface ClaimedRow {
  id: string;
  organization_id: string;
  campaign_id: string;
  channel: Channel;
  to_address: string;
  locale: string;
  content: never;
  attempts: number;
  client_timezone: string | null;
  org_timezone: string;
  messaging_settings: unknown;
}

/**
 * Sends one message, moving its row forward. The delivery guarantee:
 * - a message is claimed (queued -> sending, committed) before the provider is called, and its
 *   outcome recorded after (sending -> sent / failed / dead), so at most one worker calls the
 *   provider for it at a time and a message no longer queued is never sent again;
 * - a worker that dies between the provider's accept and our write leaves the message 'sending';
 *   BullMQ hands the job to another worker when the lock expires, which asks the provider whether
 *   it accepted the message (lookup by our id): yes -> recorded as sent without sending again; no
 *   -> sent now; cannot tell (Twilio, SMTP, Viber) -> 'in_doubt', listed for staff and settled by
 *   the provider's status callback, never resent blindly;
 * - nothing is dropped: every message ends sent, failed (permanent refusal), dead (retries
 *   exhausted), cancelled or in_doubt, each visible; transient errors are retried with backoff.
 * So no client gets the same message twice, and no message is lost silently.
 */
@Injectable()
export class SendService {
  private readonly logger = new Logger('SendService');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly providers: ProviderRegistry,
    @Inject(DISPATCH_OPTIONS) private readonly options: DispatchOptions,
  ) {}

  /** `finalAttempt`: a transient failure now makes the message dead instead of retrying. */
  async send(messageId: string, finalAttempt: boolean): Promise<SendOutcome> {
    let claimed = await this.claim(messageId);
    if (!claimed) {
      const settled = await this.settleOrSkip(messageId);
      if (settled.kind !== 'resend') return settled;
      claimed = settled.row;
    }
    const settings = parseMessagingSettings(claimed.messaging_settings);
    if (claimed.channel !== 'email') {
      const allowed = nextAllowedAt(new Date(), claimed.client_timezone ?? claimed.org_timezone, settings.allowedHours);
      if (allowed.getTime() > Date.now()) {
        await this.pool.query(
          `UPDATE messages SET status = 'queued', attempts = attempts - 1, not_before = $2, updated_at = now() WHERE id = $1 AND status = 'sending'`,
          [messageId, allowed],
        );
        return { kind: 'delayed', until: allowed };
      }
    }
    let provider: ChannelProvider;
    try {
      provider = this.providers.providerFor(claimed.organization_id, claimed.channel, settings);
    } catch (err) {
      // A provider that cannot be built (a secret not set) will not work on a retry either.
      const perr = err instanceof ProviderError ? err : new ProviderError('permanent', 'provider-config', (err as Error).message);
      await this.pool.query(
        `UPDATE messages SET status = 'failed', last_error_code = $2, last_error = $3, failed_at = now(), updated_at = now() WHERE id = $1 AND status = 'sending'`,
        [messageId, perr.code, perr.message.slice(0, 1000)],
      );
      return { kind: 'failed', code: perr.code };
    }
    const outbound: OutboundMessage = {
      messageId, organizationId: claimed.organization_id, channel: claimed.channel, to: claimed.to_address, locale: claimed.locale, content: claimed.content,
      ...this.callbacks(messageId, claimed.channel),
      ...(claimed.channel === 'email' ? { unsubscribeUrl: (claimed.content as { unsubscribeUrl?: string }).unsubscribeUrl } : {}),
    };
    try {
      const receipt = await provider.send(outbound);
      await this.pool.query(
        `UPDATE messages SET status = 'sent', provider = $2, provider_message_id = $3, sent_at = now(), last_error_code = NULL, last_error = NULL, updated_at = now()
          WHERE id = $1 AND status = 'sending'`,
        [messageId, provider.name, receipt.providerMessageId],
      );
      return { kind: 'sent', providerMessageId: receipt.providerMessageId };
    } catch (err) {
      const perr = err instanceof ProviderError ? err : new ProviderError('transient', 'error', (err as Error).message);
      if (perr.kind === 'permanent' || finalAttempt) {
        const status = perr.kind === 'permanent' ? 'failed' : 'dead';
        await this.pool.query(
          `UPDATE messages SET status = $2, provider = $3, last_error_code = $4, last_error = $5, failed_at = now(), updated_at = now() WHERE id = $1 AND status = 'sending'`,
          [messageId, status, provider.name, perr.code, perr.message.slice(0, 1000)],
        );
        return { kind: status, code: perr.code };
      }
      // Not sent: back to queued, so the retry claims it again.
      await this.pool.query(
        `UPDATE messages SET status = 'queued', last_error_code = $2, last_error = $3, updated_at = now() WHERE id = $1 AND status = 'sending'`,
        [messageId, perr.code, perr.message.slice(0, 1000)],
      );
      throw perr;
    }
  }

  /** queued -> sending, if the campaign is running; the row with what sending needs. */
  private async claim(messageId: string): Promise<ClaimedRow | null> {
    const { rows } = await this.pool.query<ClaimedRow>(
      `UPDATE messages m SET status = 'sending', attempts = m.attempts + 1, claimed_at = now(), updated_at = now()
         FROM campaigns c, organizations o
        WHERE m.id = $1 AND m.status = 'queued' AND c.id = m.campaign_id AND c.status = 'running' AND o.id = m.organization_id
        RETURNING m.id::text, m.organization_id, m.campaign_id::text, m.channel, m.to_address, m.locale, m.content, m.attempts,
                  (SELECT cl.timezone FROM clients cl WHERE cl.organization_id = m.organization_id AND cl.id = m.client_id) AS client_timezone,
                  o.timezone AS org_timezone, o.messaging_settings`,
      [messageId],
    );
    return rows[0] ?? null;
  }

  /**
   * A message that could not be claimed: its campaign is paused (left queued; resuming enqueues
   * it again), it is already past sending (skipped), or it was left 'sending' by a worker that
   * died (settled with the provider).
   */
  private async settleOrSkip(messageId: string): Promise<SendOutcome | { kind: 'resend'; row: ClaimedRow }> {
    const { rows } = await this.pool.query<{ status: string; campaign_status: string; claimed_ms: number | null; organization_id: string; channel: Channel; messaging_settings: unknown }>(
      `SELECT m.status, c.status AS campaign_status, extract(epoch FROM now() - m.claimed_at) * 1000 AS claimed_ms, m.organization_id, m.channel, o.messaging_settings
         FROM messages m JOIN campaigns c ON c.id = m.campaign_id JOIN organizations o ON o.id = m.organization_id WHERE m.id = $1`,
      [messageId],
    );
    const m = rows[0];
    if (!m) return { kind: 'skipped', status: 'missing' };
    if (m.status !== 'sending') return { kind: 'skipped', status: m.status === 'queued' ? `campaign ${m.campaign_status}` : m.status };
    if (m.claimed_ms !== null && m.claimed_ms < CLAIM_LEASE_MS) throw new ProviderError('transient', 'claimed', `message ${messageId} is being sent by another worker`);
    const provider = this.providers.providerFor(m.organization_id, m.channel, parseMessagingSettings(m.messaging_settings));
    const receipt = provider.lookup ? await provider.lookup(messageId) : undefined;
    if (receipt) {
      await this.pool.query(
        `UPDATE messages SET status = 'sent', provider = $2, provider_message_id = $3, sent_at = coalesce(sent_at, now()), updated_at = now() WHERE id = $1 AND status = 'sending'`,
        [messageId, provider.name, receipt.providerMessageId],
      );
      this.logger.log(`message ${messageId}: left sending by a stopped worker; ${provider.name} had accepted it, recorded as sent`);
      return { kind: 'settled-sent', providerMessageId: receipt.providerMessageId };
    }
    if (receipt === undefined) {
      await this.pool.query(
        `UPDATE messages SET status = 'in_doubt', provider = $2, last_error_code = 'in-doubt', updated_at = now(),
                last_error = 'a dispatcher stopped while the provider was being called; the provider cannot say whether it accepted the message'
          WHERE id = $1 AND status = 'sending'`,
        [messageId, provider.name],
      );
      return { kind: 'in-doubt' };
    }
    // The provider never got it: send now, under a fresh claim.
    const reclaimed = await this.pool.query(`UPDATE messages SET status = 'queued', updated_at = now() WHERE id = $1 AND status = 'sending'`, [messageId]);
    const row = reclaimed.rowCount === 1 ? await this.claim(messageId) : null;
    return row ? { kind: 'resend', row } : { kind: 'skipped', status: 'reclaimed elsewhere' };
  }

  /** Status and keypad callback URLs on the response collector, when it has a public URL. */
  private callbacks(messageId: string, channel: Channel): Pick<OutboundMessage, 'statusCallbackUrl' | 'gatherCallbackUrl'> {
    const base = this.options.publicCallbackUrl;
    if (!base) return {};
    if (channel === 'sms' || channel === 'voice') {
      return {
        statusCallbackUrl: `${base}/webhooks/twilio/status?message=${messageId}`,
        ...(channel === 'voice' ? { gatherCallbackUrl: `${base}/webhooks/twilio/voice?message=${messageId}` } : {}),
      };
    }
    return {};
  }

  /** Campaigns with nothing left queued or being sent are done. */
  async finishCampaigns(): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE campaigns c SET status = 'done', finished_at = now(), updated_at = now()
        WHERE c.status = 'running' AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.campaign_id = c.id AND m.status IN ('queued', 'sending'))`,
    );
    return rowCount ?? 0;
  }
}
