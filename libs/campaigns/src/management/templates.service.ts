import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { parseMessagingSettings } from '../messaging-settings';
import { PREVIEW_TOKEN, recipientVariables } from '../recipient-variables';
import type { Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { estimateSmsCost, smsInfo, type SmsInfo } from '@comeback/sms';
import { compileTemplate, normaliseLocale, pickTemplate, renderTemplate, validateTemplate, type ChannelParts, type TemplateDefinition } from '@comeback/templates';
import { CampaignError } from './campaign.error';
import { CAMPAIGN_OPTIONS, type CampaignOptions } from './tokens';

export interface StoredTemplate {
  id: string;
  key: string;
  channel: Channel;
  locale: string;
  parts: Record<string, unknown>;
  updatedAt: Date;
}

export interface TemplatePreview {
  parts: ChannelParts[Channel];
  /** Who it was rendered for: a client of the organization, or a sample when none was chosen. */
  renderedFor: { clientId: string | null; name: string; locale: string };
  /** SMS only: encoding, segments and the price of one message. */
  sms?: SmsInfo & { cost: string; currency: string };
}

/** A recipient as an estimate renders their SMS for: what the fan-out renders it with. */
export interface SmsSampleRecipient {
  name: string;
  locale: string | null;
  timezone: string | null;
  lastVisitAt: Date | null;
  staffMember: string | null;
  service: string | null;
}

/** Message templates: saved only when they validate; previewed for a chosen client with the SMS counter. */
@Injectable()
export class TemplatesService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CAMPAIGN_OPTIONS) private readonly options: CampaignOptions,
  ) {}

  async list(organizationId: string): Promise<StoredTemplate[]> {
    const { rows } = await this.pool.query<StoredTemplate>(
      `SELECT id::text, key, channel, locale, parts, updated_at AS "updatedAt" FROM message_templates WHERE organization_id = $1 ORDER BY key, channel, locale`,
      [organizationId],
    );
    return rows;
  }

  /** Validates (every problem with its part, line and column) and saves, replacing the same key, channel and locale. */
  async save(organizationId: string, key: string, channel: Channel, locale: string, parts: Record<string, unknown>, accountId: string | null = null): Promise<StoredTemplate> {
    const normalised = normaliseLocale(locale);
    if (!normalised) throw new CampaignError('INVALID_BODY', `"${locale}" is not a language tag`, [{ field: 'locale', message: 'a BCP-47 language tag such as "ka" or "en-GB"' }]);
    // Whatever was sent: validateTemplate names every missing or bad part before anything uses it.
    const definition = { channel, locale: normalised, parts } as unknown as TemplateDefinition;
    this.assertValid(definition);
    const { rows } = await this.pool.query<StoredTemplate>(
      `INSERT INTO message_templates (organization_id, key, channel, locale, parts, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (organization_id, key, channel, locale) DO UPDATE SET parts = EXCLUDED.parts, updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING id::text, key, channel, locale, parts, updated_at AS "updatedAt"`,
      [organizationId, key, channel, normalised, parts, accountId],
    );
    return rows[0];
  }

  /**
   * Deletes a template, unless it is the last locale of its key and channel and a campaign that is
   * scheduled, running or paused sends on that channel with that key (its fan-out and fallbacks
   * would find no template): 409 naming the campaigns. One statement, so a campaign scheduled
   * meanwhile cannot slip between the check and the delete.
   */
  async remove(organizationId: string, key: string, channel: Channel, locale: string): Promise<void> {
    const { rows } = await this.pool.query<{ deleted: boolean; found: boolean; campaigns: string[] }>(
      `WITH target AS (
         SELECT id FROM message_templates WHERE organization_id = $1 AND key = $2 AND channel = $3 AND locale = $4
       ), users AS (
         SELECT c.id, c.name FROM campaigns c
          WHERE c.organization_id = $1 AND c.template_key = $2 AND $3 = ANY(c.channels) AND c.status IN ('scheduled', 'running', 'paused')
            AND NOT EXISTS (SELECT 1 FROM message_templates t WHERE t.organization_id = $1 AND t.key = $2 AND t.channel = $3 AND t.locale <> $4)
       ), deleted AS (
         DELETE FROM message_templates WHERE id IN (SELECT id FROM target) AND NOT EXISTS (SELECT 1 FROM users) RETURNING id
       )
       SELECT EXISTS (SELECT 1 FROM deleted) AS deleted, EXISTS (SELECT 1 FROM target) AS found,
              coalesce((SELECT array_agg(format('%s (%s)', u.name, u.id) ORDER BY u.id) FROM users u), '{}') AS campaigns`,
      [organizationId, key, channel, normaliseLocale(locale) ?? locale],
    );
    const { deleted, found, campaigns } = rows[0];
    if (!found) throw new CampaignError('NOT_FOUND', `no template ${key} / ${channel} / ${locale}`);
    if (!deleted) {
      throw new CampaignError('INVALID_STATE', `the last "${key}" template for ${channel} is used by ${campaigns.join(', ')}; cancel or finish the campaign first`, [
        { field: 'locale', message: `used by campaign ${campaigns.join(', ')}, which sends ${channel} with no other locale of "${key}"` },
      ]);
    }
  }

  /** Renders a template (as being edited) for one of the organization's clients, or a sample client. */
  async preview(organizationId: string, template: { channel: Channel; locale: string; parts: Record<string, unknown> }, clientId?: string): Promise<TemplatePreview> {
    const definition = { ...template, locale: normaliseLocale(template.locale) ?? template.locale } as unknown as TemplateDefinition;
    this.assertValid(definition);
    const org = (
      await this.pool.query<{ name: string; timezone: string; currency: string; default_locale: string; messaging_settings: unknown }>(
        `SELECT name, timezone, currency, default_locale, messaging_settings FROM organizations WHERE id = $1`,
        [organizationId],
      )
    ).rows[0];
    if (!org) throw new CampaignError('NOT_FOUND', 'no such organization');
    let facts: { clientId: string | null; name: string; locale: string; timezone: string; lastVisitAt: Date | null; staffMember: string | null; service: string | null } = {
      clientId: null, name: 'Nino Beridze', locale: definition.locale, timezone: org.timezone, lastVisitAt: new Date(Date.now() - 120 * 86_400_000), staffMember: 'Dr Giorgi', service: 'Check-up',
    };
    if (clientId) {
      const { rows } = await this.pool.query<{ name: string; locale: string | null; timezone: string | null; last_visit_at: Date | null; staff: string | null; service: string | null }>(
        `SELECT c.name, c.locale, c.timezone, e.last_visit_at, sm.name AS staff, sv.name AS service
           FROM clients c
           LEFT JOIN LATERAL (SELECT * FROM churn_episodes e WHERE e.organization_id = c.organization_id AND e.client_id = c.id ORDER BY e.detected_at DESC LIMIT 1) e ON true
           LEFT JOIN staff_members sm ON sm.id = e.staff_member_id
           LEFT JOIN services sv ON sv.id = e.service_id
          WHERE c.organization_id = $1 AND c.id = $2`,
        [organizationId, clientId],
      );
      // Another organization's client is as unknown as a missing one.
      if (!rows.length) throw new CampaignError('NOT_FOUND', `no client ${clientId}`);
      const c = rows[0];
      facts = { clientId, name: c.name, locale: c.locale ?? org.default_locale, timezone: c.timezone ?? org.timezone, lastVisitAt: c.last_visit_at, staffMember: c.staff, service: c.service };
    }
    const reasons = (await this.pool.query<{ label: string }>(`SELECT label FROM churn_reasons WHERE organization_id = $1 ORDER BY label LIMIT 5`, [organizationId])).rows.map(
      (r, i) => ({ number: i + 1, label: r.label }),
    );
    const variables = recipientVariables(
      { name: facts.name, locale: definition.locale, lastVisitAt: facts.lastVisitAt, staffMember: facts.staffMember, service: facts.service },
      { channel: definition.channel, organizationName: org.name, publicFeedbackUrl: this.options.publicFeedbackUrl, token: PREVIEW_TOKEN, reasons },
    );
    const parts = renderTemplate(definition, variables, { locale: facts.locale, timezone: facts.timezone, currency: org.currency });
    const preview: TemplatePreview = { parts, renderedFor: { clientId: facts.clientId, name: facts.name, locale: facts.locale } };
    if (definition.channel === 'sms') {
      const info = smsInfo((parts as ChannelParts['sms']).text);
      preview.sms = { ...info, cost: estimateSmsCost(info.segments, 1, parseMessagingSettings(org.messaging_settings).prices.smsSegment), currency: org.currency };
    }
    return preview;
  }

  /**
   * The most SMS segments any of these recipients' messages would take: each rendered as the
   * fan-out renders it (apps/campaign MessageRenderer: the template of their locale with the
   * fallback of pickTemplate, their name and last visit, the organization's most used reasons, a
   * link token as long as a real one, formatting in their locale and time zone). Null when none of
   * them has a template on SMS. Three queries, whatever the number of recipients.
   */
  async smsSegmentsFor(organizationId: string, templateKey: string, recipients: readonly SmsSampleRecipient[]): Promise<number | null> {
    if (!recipients.length) return null;
    const [org, templates, reasons] = await Promise.all([
      this.pool.query<{ name: string; timezone: string; currency: string; default_locale: string }>(
        `SELECT name, timezone, currency, default_locale FROM organizations WHERE id = $1`,
        [organizationId],
      ),
      this.pool.query<{ channel: Channel; locale: string; parts: never }>(
        `SELECT channel, locale, parts FROM message_templates WHERE organization_id = $1 AND key = $2 AND channel = 'sms' ORDER BY locale`,
        [organizationId, templateKey],
      ),
      // As the fan-out numbers them: the most used first.
      this.pool.query<{ label: string }>(
        `SELECT r.label FROM churn_reasons r
           LEFT JOIN LATERAL (SELECT count(*) AS n FROM churn_episodes e WHERE e.organization_id = r.organization_id AND e.reason_id = r.id) u ON true
          WHERE r.organization_id = $1 ORDER BY u.n DESC, r.label LIMIT 5`,
        [organizationId],
      ),
    ]);
    const o = org.rows[0];
    if (!o) throw new CampaignError('NOT_FOUND', 'no such organization');
    const definitions = templates.rows.map((r) => ({ channel: r.channel, locale: r.locale, parts: r.parts }) as TemplateDefinition);
    const choices = reasons.rows.map((r, i) => ({ number: i + 1, label: r.label }));
    const now = new Date();
    let most: number | null = null;
    for (const r of recipients) {
      const picked = pickTemplate(definitions, { channel: 'sms', clientLocale: r.locale, organizationLocale: o.default_locale });
      if (!picked) continue;
      const variables = recipientVariables(
        { name: r.name, locale: picked.locale, lastVisitAt: r.lastVisitAt, staffMember: r.staffMember, service: r.service },
        { channel: 'sms', organizationName: o.name, publicFeedbackUrl: this.options.publicFeedbackUrl, token: PREVIEW_TOKEN, reasons: choices, now },
      );
      const parts = compileTemplate(picked.template).render(variables, { locale: r.locale ?? o.default_locale, timezone: r.timezone ?? o.timezone, currency: o.currency });
      most = Math.max(most ?? 0, smsInfo((parts as ChannelParts['sms']).text).segments);
    }
    return most;
  }

  private assertValid(definition: TemplateDefinition): void {
    const issues: { part: string; line: number; column: number; message: string }[] = [...validateTemplate(definition), ...tooLong(definition)];
    if (issues.length) {
      throw new CampaignError(
        'INVALID_TEMPLATE',
        `the template has ${issues.length} problem(s)`,
        issues.map((i) => ({ part: i.part, line: i.line, column: i.column, message: i.message })),
      );
    }
  }
}

/**
 * The longest each part may be, in characters (UTF-16 code units, as the editor counts), so a
 * template cannot carry what no provider would take (a 90,000-character SMS was once saved):
 * - SMS text 1,600: Twilio refuses a body longer than that. It does not bound the cost (10 UCS-2
 *   segments are only 670 characters; the editor's counter and the estimate show segments), it
 *   refuses what can never be sent, with room for a long GSM-7 message;
 * - e-mail subject 300 (RFC 5322 advises 78 per line; a subject longer than that is cut by every
 *   client anyway), HTML 200,000 and plain text 50,000 (far past any real message, far below what
 *   mail servers refuse);
 * - Viber text 7,000 and button text 30: Viber's own limits for a message and its button caption;
 * - voice script 3,000: about three minutes of speech, past which callers hang up.
 */
export const TEMPLATE_PART_LIMITS: { readonly [C in Channel]: Readonly<Record<string, number>> } = {
  sms: { text: 1600 },
  email: { subject: 300, html: 200_000, text: 50_000 },
  viber: { text: 7000, buttonText: 30 },
  voice: { script: 3000 },
};

/** A problem for each part over its limit, at the line and column where the excess starts. */
function tooLong(definition: TemplateDefinition): { part: string; line: number; column: number; message: string }[] {
  const limits = TEMPLATE_PART_LIMITS[definition.channel] ?? {};
  const parts = (definition.parts ?? {}) as unknown as Record<string, unknown>;
  return Object.entries(limits).flatMap(([part, limit]) => {
    const value = parts[part];
    if (typeof value !== 'string' || value.length <= limit) return [];
    const before = value.slice(0, limit).split('\n');
    return [{ part, line: before.length, column: before[before.length - 1].length + 1, message: `is ${value.length.toLocaleString('en')} characters long; at most ${limit.toLocaleString('en')}` }];
  });
}
