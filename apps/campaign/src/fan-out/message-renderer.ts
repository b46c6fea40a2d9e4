import { hash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { CAMPAIGN_OPTIONS, type CampaignOptions, type MessagingSettings, nextAllowedAt, PREVIEW_TOKEN, recipientVariables } from '@comeback/campaigns';
import type { Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { estimateSmsCost, smsInfo } from '@comeback/sms';
import { compileTemplate, pickTemplate, type CompiledTemplate, type TemplateDefinition } from '@comeback/templates';

/** Random bytes of a personal link token: as many as the preview token stands for (24 base64url characters, 144 bits). */
const TOKEN_BYTES = (PREVIEW_TOKEN.length * 3) / 4;

/** What rendering a campaign's messages needs to know of the campaign and its organization. */
export interface CampaignFacts {
  id: string;
  organization_id: string;
  template_key: string;
  timezone: string;
  org_name: string;
  currency: string;
  default_locale: string;
}

/** A recipient as the fan-out and the fallback sweep read them, with the channel and address to write to. */
export interface RecipientRow {
  client_id: string;
  name: string;
  locale: string | null;
  timezone: string | null;
  channel: Channel | null;
  to_address: string | null;
  /** Epoch milliseconds (a number parses far faster than a timestamp's text). */
  last_visit: number | null;
  staff_member: string | null;
  service: string | null;
  /** The message this one replaces (fallback sweep only). */
  fallback_of?: string;
}

/** A rendered message, named as the INSERTs' recordsets read it. */
export interface MessageRow {
  client_id: string;
  channel: Channel;
  to_address: string;
  locale: string;
  content: unknown;
  /** SHA-256 of the link token, hex. */
  token_hash: string;
  segments: number | null;
  cost: string;
  not_before: Date | null;
  fallback_of: string | null;
}

/** What one campaign's messages are rendered with, set up once: the template choice, the reasons, SMS costs by segment count. */
export interface RenderContext {
  campaign: CampaignFacts;
  settings: MessagingSettings;
  pick: (channel: Channel, clientLocale: string | null) => { template: CompiledTemplate; locale: string };
  reasons: { number: number; label: string; id: string }[];
  smsCosts: Map<number, string>;
}

/**
 * Renders campaign messages, for the fan-out (a campaign's first messages) and the fallback sweep
 * (a message on the next channel): the template of the client's locale (else the organization's
 * default, see pickTemplate), the recipient's variables with a new personal link token (only its
 * hash is kept), SMS segments and cost, and for texts and calls the client's allowed hours.
 */
@Injectable()
export class MessageRenderer {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CAMPAIGN_OPTIONS) private readonly options: CampaignOptions,
  ) {}

  async contextFor(campaign: CampaignFacts, settings: MessagingSettings): Promise<RenderContext> {
    const [pick, reasons] = await Promise.all([this.templatesOf(campaign), this.reasonChoices(campaign.organization_id)]);
    return { campaign, settings, pick, reasons, smsCosts: new Map() };
  }

  /**
   * The organization's templates of the campaign's key, each compiled once, as the choice for a
   * channel and a client's locale (the fallback chain of pickTemplate). A campaign's recipients
   * have few distinct locales, so each choice is made once and remembered.
   */
  private async templatesOf(campaign: CampaignFacts): Promise<RenderContext['pick']> {
    const { rows } = await this.pool.query<{ channel: Channel; locale: string; parts: never }>(
      `SELECT channel, locale, parts FROM message_templates WHERE organization_id = $1 AND key = $2 ORDER BY channel, locale`,
      [campaign.organization_id, campaign.template_key],
    );
    const definitions = rows.map((r) => ({ channel: r.channel, locale: r.locale, parts: r.parts }) as TemplateDefinition);
    const compiled = new Map(definitions.map((d) => [d, compileTemplate(d) as CompiledTemplate]));
    const choices = new Map<string, { template: CompiledTemplate; locale: string }>();
    return (channel, clientLocale) => {
      const key = `${channel}\u0000${clientLocale ?? ''}`;
      let choice = choices.get(key);
      if (!choice) {
        const picked = pickTemplate(definitions, { channel, clientLocale, organizationLocale: campaign.default_locale });
        if (!picked) throw new Error(`campaign ${campaign.id}: no "${campaign.template_key}" template for channel ${channel}`);
        choice = { template: compiled.get(picked.template)!, locale: picked.locale };
        choices.set(key, choice);
      }
      return choice;
    };
  }

  /** The organization's most used reasons, numbered, for "reply with a number" messages. */
  private async reasonChoices(organizationId: string): Promise<{ number: number; label: string; id: string }[]> {
    const { rows } = await this.pool.query<{ label: string; id: string }>(
      `SELECT r.label, r.id::text FROM churn_reasons r
         LEFT JOIN LATERAL (SELECT count(*) AS n FROM churn_episodes e WHERE e.organization_id = r.organization_id AND e.reason_id = r.id) u ON true
        WHERE r.organization_id = $1 AND r.retired_at IS NULL ORDER BY u.n DESC, r.label LIMIT 5`,
      [organizationId],
    );
    return rows.map((r, i) => ({ number: i + 1, label: r.label, id: r.id }));
  }

  /** Renders each reachable recipient's message, as a row of `messages`; recipients with no channel left are skipped. */
  render(run: RenderContext, batch: readonly RecipientRow[]): MessageRow[] {
    const { campaign, settings } = run;
    const now = new Date();
    // Quiet hours depend only on the time zone for this batch's `now`.
    const allowedAt = new Map<string, Date | null>();
    // The batch's link tokens from one call to the CSPRNG (one call per token costs ten times more).
    const tokens = randomBytes(TOKEN_BYTES * batch.length);
    const out: MessageRow[] = [];
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i];
      if (!r.channel || !r.to_address) continue;
      const picked = run.pick(r.channel, r.locale);
      const token = tokens.toString('base64url', i * TOKEN_BYTES, (i + 1) * TOKEN_BYTES);
      const timezone = r.timezone ?? campaign.timezone;
      const variables = recipientVariables(
        { name: r.name, locale: picked.locale, lastVisitAt: r.last_visit === null ? null : new Date(r.last_visit), staffMember: r.staff_member, service: r.service },
        { channel: r.channel, organizationName: campaign.org_name, publicFeedbackUrl: this.options.publicFeedbackUrl, token, reasons: run.reasons, now },
      );
      const rendered = picked.template.render(variables, { locale: r.locale ?? campaign.default_locale, timezone, currency: campaign.currency });
      // E-mail also carries its one-click unsubscribe URL (RFC 8058 headers); the token is not kept anywhere else.
      // `choices`: the reason ids behind the numbers the message offered, so a reply "2" means the reason it meant then.
      const choices = run.reasons.map((reason) => reason.id);
      const content = r.channel === 'email' ? { ...rendered, unsubscribeUrl: variables.optOutUrl, choices } : { ...rendered, choices };
      let segments: number | null = null;
      let cost: string;
      if (r.channel === 'sms') {
        segments = smsInfo((content as { text: string }).text).segments;
        cost = run.smsCosts.get(segments) ?? estimateSmsCost(segments, 1, settings.prices.smsSegment);
        run.smsCosts.set(segments, cost);
      } else cost = r.channel === 'email' ? settings.prices.email : r.channel === 'viber' ? settings.prices.viber : settings.prices.voiceCall;
      // E-mail may arrive at any hour; texts and calls wait for the client's allowed hours.
      let notBefore: Date | null = null;
      if (r.channel !== 'email') {
        notBefore = allowedAt.get(timezone) ?? null;
        if (!allowedAt.has(timezone)) {
          const opens = nextAllowedAt(now, timezone, settings.allowedHours);
          notBefore = opens.getTime() > now.getTime() ? opens : null;
          allowedAt.set(timezone, notBefore);
        }
      }
      out.push({
        client_id: r.client_id, channel: r.channel, to_address: r.to_address, locale: picked.locale, content, segments, cost, not_before: notBefore,
        token_hash: hash('sha256', token, 'hex'), fallback_of: r.fallback_of ?? null,
      });
    }
    return out;
  }
}

/**
 * Rows as one JSON array in UTF-8 (a Buffer parameter goes in binary format, which for `json` is
 * the text itself). Built row by row: one string of the whole batch would be flattened into V8's
 * large-object space, which only a full collection frees.
 */
export function jsonArray(rows: readonly object[]): Buffer {
  const parts: Buffer[] = [];
  for (const row of rows) parts.push(Buffer.from(parts.length ? `,${JSON.stringify(row)}` : `[${JSON.stringify(row)}`));
  parts.push(Buffer.from(']'));
  return Buffer.concat(parts);
}
