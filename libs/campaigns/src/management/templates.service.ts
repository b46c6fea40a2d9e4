import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { parseMessagingSettings } from '../messaging-settings';
import { PREVIEW_TOKEN, recipientVariables } from '../recipient-variables';
import type { Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { estimateSmsCost, smsInfo, type SmsInfo } from '@comeback/sms';
import { normaliseLocale, renderTemplate, validateTemplate, type ChannelParts, type TemplateDefinition } from '@comeback/templates';
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

  async remove(organizationId: string, key: string, channel: Channel, locale: string): Promise<void> {
    const { rowCount } = await this.pool.query(`DELETE FROM message_templates WHERE organization_id = $1 AND key = $2 AND channel = $3 AND locale = $4`, [
      organizationId, key, channel, normaliseLocale(locale) ?? locale,
    ]);
    if (rowCount === 0) throw new CampaignError('NOT_FOUND', `no template ${key} / ${channel} / ${locale}`);
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

  private assertValid(definition: TemplateDefinition): void {
    const issues = validateTemplate(definition);
    if (issues.length) {
      throw new CampaignError(
        'INVALID_TEMPLATE',
        `the template has ${issues.length} problem(s)`,
        issues.map((i) => ({ part: i.part, line: i.line, column: i.column, message: i.message })),
      );
    }
  }
}
