import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { finishSettledCampaigns, nextAllowedAt, parseMessagingSettings, type AllowedHours, type MessagingSettings } from '@comeback/campaigns';
import type { Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { ProviderError, type ChannelProvider, type OutboundMessage, type SendReceipt } from '../providers/channel-provider';
import { ProviderRegistry } from '../providers/provider-registry';
import { MicroBatcher } from './micro-batcher';
import { DISPATCH_OPTIONS, type DispatchOptions } from './send.tokens';

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
  /** The client's consent on the message's channel now: one revoked since the fan-out is not sent. */
  client_consent: string | null;
  org_timezone: string;
  /** As text: compared with the cached copy, parsed only when it changed (see settingsOf). */
  messaging_settings: string;
}

/** What recording a sent message needs. */
interface SentRecord {
  id: string;
  provider: string;
  providerMessageId: string;
  /** The provider delivered it as it accepted it (the sandbox). */
  delivered: boolean;
  /** The provider will report delivery (see messages.receipts_expected). */
  receiptsExpected: boolean;
}

/**
 * Most messages claimed or recorded in one statement. A replica runs at most DISPATCH_CONCURRENCY
 * jobs per channel, so in practice this only bounds a statement's size.
 */
const MAX_BATCH = 500;

/**
 * queued -> sending for the messages $1 (bigint[]) whose campaign is running, returning what
 * sending needs. The rows are found by id alone and locked first (only the message rows: the
 * campaign is read as of the statement), then checked: with the status in the same WHERE, a
 * planner whose statistics predate the campaign's messages (analyzed before the fan-out) would
 * scan every queued message of the campaign through (campaign_id, status) for each batch instead
 * of looking the ids up. `SKIP LOCKED` leaves out rows another transaction holds.
 */
const claimStatement = (locked: 'SKIP LOCKED' | 'WAIT') => `
  WITH locked AS (
    SELECT m.id, m.status, m.campaign_id FROM messages m WHERE m.id = ANY($1::bigint[])
       FOR UPDATE${locked === 'SKIP LOCKED' ? ' SKIP LOCKED' : ''}
  )
  UPDATE messages m SET status = 'sending', attempts = m.attempts + 1, claimed_at = now(), updated_at = now()
    FROM locked k, campaigns c, organizations o
   WHERE m.id = k.id AND k.status = 'queued' AND c.id = k.campaign_id AND c.status = 'running' AND o.id = m.organization_id
  RETURNING m.id::text, m.organization_id, m.campaign_id::text, m.channel, m.to_address, m.locale, m.content, m.attempts,
            (SELECT cl.timezone FROM clients cl WHERE cl.organization_id = m.organization_id AND cl.id = m.client_id) AS client_timezone,
            (SELECT CASE m.channel WHEN 'sms' THEN cl.consent_sms WHEN 'email' THEN cl.consent_email WHEN 'viber' THEN cl.consent_viber WHEN 'voice' THEN cl.consent_voice END
               FROM clients cl WHERE cl.organization_id = m.organization_id AND cl.id = m.client_id) AS client_consent,
            o.timezone AS org_timezone, o.messaging_settings::text AS messaging_settings`;

/**
 * Whether campaign c is finished, as far as the dispatcher can tell: nothing queued or being sent,
 * and no message still open to a fallback on a later channel of the campaign's order: refused
 * (failed, dead, undelivered) or, with fallback hours, sent without a delivery receipt; not replied
 * to; with no fallback written yet. Whether such a message will really fall back (the client
 * reachable on a later channel, the episode still open, the hours passed) is the campaign app's
 * fallback sweep's to decide: it marks done the campaigns this leaves running once nothing can.
 * (CASE: the second check, which may read every sent message of a big campaign, only when nothing
 * is queued.)
 */
const FINISHED = `
  CASE WHEN c.fanned_out_at IS NULL THEN false
       WHEN EXISTS (SELECT 1 FROM messages m WHERE m.campaign_id = c.id AND m.status IN ('queued', 'sending')) THEN false
       ELSE NOT EXISTS (
         SELECT 1 FROM messages m
          WHERE m.campaign_id = c.id AND m.status IN ('failed', 'dead', 'undelivered', 'sent')
            AND (m.status IN ('failed', 'dead', 'undelivered') OR (m.delivered_at IS NULL AND m.receipts_expected AND c.fallback_after_hours IS NOT NULL))
            AND m.replied_at IS NULL
            AND array_position(c.channels, m.channel) < cardinality(c.channels)
            AND NOT EXISTS (SELECT 1 FROM messages f WHERE f.fallback_of = m.id)) END`;

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
 * - nothing is dropped: every message ends sent (delivered, for a provider that delivers as it
 *   accepts: the sandbox), failed (permanent refusal), dead (retries exhausted), cancelled or
 *   in_doubt, each visible; transient errors are retried with backoff.
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

  /**
   * The claims of the messages that jobs ask for at about the same time go in one statement, and
   * so do their 'sent' records: per message, the claim still commits before its provider call and
   * the record follows the call, so the guarantee above holds message by message; only the round
   * trips and the commits (each a WAL flush, which is what bounded a big campaign) are shared.
   * Two batches of each may run at once (one in PostgreSQL, the next gathering). The rarer
   * outcomes (delayed, failed, retried) keep their own statements.
   */
  private readonly claims = new MicroBatcher((ids: string[]) => this.claimMany(ids), { maxSize: MAX_BATCH, maxRunning: 2 });
  private readonly sentRecords = new MicroBatcher((records: SentRecord[]) => this.recordSent(records), { maxSize: MAX_BATCH, maxRunning: 2 });

  /** Parsed messaging settings per organization, with the JSON text they were parsed from. */
  private readonly settings = new Map<string, { json: string; settings: MessagingSettings }>();

  /** Per timezone and allowed hours: the UTC minute (ms / 60,000) they were last found open in. */
  private readonly openInMinute = new Map<string, number>();

  /** `finalAttempt`: a transient failure now makes the message dead instead of retrying. */
  async send(messageId: string, finalAttempt: boolean): Promise<SendOutcome> {
    // A message the batch skipped (locked by another transaction, or not claimable at all) is
    // claimed alone, waiting for the lock like a single claim always did.
    let claimed = (await this.claims.add(messageId)) ?? (await this.claimOne(messageId));
    if (!claimed) {
      const settled = await this.settleOrSkip(messageId);
      if (settled.kind !== 'resend') return settled;
      claimed = settled.row;
    }
    if (claimed.client_consent === 'revoked') {
      // Opted out of this channel after the campaign was fanned out (a STOP, an unsubscribe link):
      // refused for good, never sent; the fallback sweep may try the client's next channel.
      await this.pool.query(
        `UPDATE messages SET status = 'failed', last_error_code = 'opted-out', last_error = 'the client opted out of this channel after the message was written', failed_at = now(), updated_at = now()
          WHERE id = $1 AND status = 'sending'`,
        [messageId],
      );
      return { kind: 'failed', code: 'opted-out' };
    }
    const settings = this.settingsOf(claimed.organization_id, claimed.messaging_settings);
    if (claimed.channel !== 'email') {
      const allowed = this.allowedHoursOpenAt(claimed.client_timezone ?? claimed.org_timezone, settings.allowedHours);
      if (allowed) {
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
      ...this.callbacks(claimed.organization_id, messageId, claimed.channel),
      ...(claimed.channel === 'email' ? { unsubscribeUrl: (claimed.content as { unsubscribeUrl?: string }).unsubscribeUrl } : {}),
    };
    let receipt: SendReceipt;
    try {
      receipt = await provider.send(outbound);
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
    // Outside the try above on purpose: the provider has accepted the message, so a failure to
    // record it must leave it 'sending' (the retry settles it with provider.lookup), never put it
    // back to 'queued' as a failed send would be, which could send it twice.
    // Delivery is reported by a status callback only when one was asked for (a public callback URL) and the provider sends them.
    const receiptsExpected = receipt.delivered === true || (provider.reportsDelivery && Boolean(this.options.publicCallbackUrl));
    await this.sentRecords.add({ id: messageId, provider: provider.name, providerMessageId: receipt.providerMessageId, delivered: receipt.delivered === true, receiptsExpected });
    return { kind: 'sent', providerMessageId: receipt.providerMessageId };
  }

  /**
   * queued -> sending for each message whose campaign is running, in one statement; per id (same
   * order), the row with what sending needs, or null when it was not claimed. Rows another
   * transaction holds locked are skipped, not waited for: a batch that waited while holding the
   * locks of the rest of its rows could deadlock with a statement locking them in another order
   * (a campaign being cancelled). An id asked for twice in a batch is claimed for the first only.
   */
  private async claimMany(messageIds: string[]): Promise<(ClaimedRow | null)[]> {
    const { rows } = await this.pool.query<ClaimedRow>(claimStatement('SKIP LOCKED'), [messageIds]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return messageIds.map((id) => {
      const row = byId.get(id) ?? null;
      byId.delete(id);
      return row;
    });
  }

  /** The claim of a single message, waiting for its row if another transaction holds it. */
  private async claimOne(messageId: string): Promise<ClaimedRow | null> {
    const { rows } = await this.pool.query<ClaimedRow>(claimStatement('WAIT'), [[messageId]]);
    return rows[0] ?? null;
  }

  /** sending -> sent (or delivered, when the provider said so) for messages their provider accepted, in one statement. */
  private async recordSent(records: SentRecord[]): Promise<void[]> {
    await this.pool.query(
      `UPDATE messages m SET status = CASE WHEN r.delivered THEN 'delivered' ELSE 'sent' END, provider = r.provider, provider_message_id = r.provider_message_id,
              sent_at = now(), delivered_at = CASE WHEN r.delivered THEN now() ELSE m.delivered_at END, receipts_expected = r.receipts_expected,
              last_error_code = NULL, last_error = NULL, updated_at = now()
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::boolean[], $5::boolean[]) AS r(id, provider, provider_message_id, delivered, receipts_expected)
        WHERE m.id = r.id AND m.status = 'sending'`,
      [records.map((r) => r.id), records.map((r) => r.provider), records.map((r) => r.providerMessageId), records.map((r) => r.delivered), records.map((r) => r.receiptsExpected)],
    );
    return records.map(() => undefined);
  }

  /**
   * Null when texts may go now in the timezone, otherwise the instant the allowed hours open.
   * Found open, the answer holds for the rest of the minute: today's timezone offsets are whole
   * minutes and clocks change on a minute, so the local minute (all the window compares) changes
   * only with the UTC minute. It spares formatting the local time (Intl, ~20 µs) per message.
   */
  private allowedHoursOpenAt(timezone: string, hours: AllowedHours): Date | null {
    const now = new Date();
    const minute = Math.floor(now.getTime() / 60_000);
    const key = `${timezone} ${hours.from}-${hours.to}`;
    if (this.openInMinute.get(key) === minute) return null;
    const allowed = nextAllowedAt(now, timezone, hours);
    if (allowed.getTime() > now.getTime()) return allowed;
    this.openInMinute.set(key, minute);
    return null;
  }

  /**
   * An organization's messaging settings, parsed and validated again only when their stored JSON
   * changed (a change applies from the next message): every message of a campaign comes with the
   * same settings, and the zod parse is a few microseconds and a tree of objects per message.
   */
  private settingsOf(organizationId: string, json: string): MessagingSettings {
    const cached = this.settings.get(organizationId);
    if (cached?.json === json) return cached.settings;
    const settings = parseMessagingSettings(JSON.parse(json));
    this.settings.set(organizationId, { json, settings });
    return settings;
  }

  /**
   * A message that could not be claimed: its campaign is paused (left queued; resuming enqueues
   * it again), it is already past sending (skipped), or it was left 'sending' by a worker that
   * died (settled with the provider).
   */
  private async settleOrSkip(messageId: string): Promise<SendOutcome | { kind: 'resend'; row: ClaimedRow }> {
    const { rows } = await this.pool.query<{ status: string; campaign_status: string; claimed_ms: number | null; organization_id: string; channel: Channel; messaging_settings: string }>(
      `SELECT m.status, c.status AS campaign_status, extract(epoch FROM now() - m.claimed_at) * 1000 AS claimed_ms, m.organization_id, m.channel, o.messaging_settings::text
         FROM messages m JOIN campaigns c ON c.id = m.campaign_id JOIN organizations o ON o.id = m.organization_id WHERE m.id = $1`,
      [messageId],
    );
    const m = rows[0];
    if (!m) return { kind: 'skipped', status: 'missing' };
    if (m.status === 'queued' && m.campaign_status === 'cancelled') {
      // Left queued by a cancel that raced it: cancelled now, never sent.
      await this.pool.query(
        `UPDATE messages SET status = 'cancelled', updated_at = now() WHERE id = $1 AND status = 'queued' AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = messages.campaign_id AND c.status = 'cancelled')`,
        [messageId],
      );
      return { kind: 'skipped', status: 'campaign cancelled' };
    }
    if (m.status !== 'sending') return { kind: 'skipped', status: m.status === 'queued' ? `campaign ${m.campaign_status}` : m.status };
    // A claim younger than the job lock belongs to a worker that is still at it (its lock lapsed
    // while it waited on a slow provider): that is a retry later, not a crash to settle.
    if (m.claimed_ms !== null && m.claimed_ms < this.options.lockSeconds * 1000) throw new ProviderError('transient', 'claimed', `message ${messageId} is being sent by another worker`);
    const provider = this.providers.providerFor(m.organization_id, m.channel, this.settingsOf(m.organization_id, m.messaging_settings));
    const receipt = provider.lookup ? await provider.lookup(messageId) : undefined;
    if (receipt) {
      await this.pool.query(
        `UPDATE messages SET status = CASE WHEN $4 THEN 'delivered' ELSE 'sent' END, provider = $2, provider_message_id = $3, sent_at = coalesce(sent_at, now()),
                delivered_at = CASE WHEN $4 THEN coalesce(delivered_at, now()) ELSE delivered_at END, updated_at = now()
          WHERE id = $1 AND status = 'sending'`,
        [messageId, provider.name, receipt.providerMessageId, receipt.delivered === true],
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
    const row = reclaimed.rowCount === 1 ? await this.claimOne(messageId) : null;
    return row ? { kind: 'resend', row } : { kind: 'skipped', status: 'reclaimed elsewhere' };
  }

  /** Status and keypad callback URLs on the response collector, when it has a public URL. */
  private callbacks(organizationId: string, messageId: string, channel: Channel): Pick<OutboundMessage, 'statusCallbackUrl' | 'gatherCallbackUrl'> {
    const base = this.options.publicCallbackUrl;
    if (!base) return {};
    if (channel === 'sms' || channel === 'voice') {
      return {
        // The organization names whose auth token signs the callback (Twilio signs the whole URL, query included).
        statusCallbackUrl: `${base}/webhooks/twilio/status?org=${organizationId}&message=${messageId}`,
        ...(channel === 'voice' ? { gatherCallbackUrl: `${base}/webhooks/twilio/voice?org=${organizationId}&message=${messageId}` } : {}),
      };
    }
    return {};
  }

  /**
   * Campaigns with nothing left queued or being sent, and no message that may still fall back to
   * another channel (FINISHED), are done (finishSettledCampaigns: locked, checked again, and left
   * alone while their fan-out runs).
   */
  async finishCampaigns(): Promise<number> {
    return finishSettledCampaigns(this.pool, 'c', FINISHED);
  }
}
