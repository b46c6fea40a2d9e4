import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import type { Pool, PoolClient } from 'pg';
import { audienceSql, controlGroupSql, nextAllowedAt, parseAudience, parseMessagingSettings, REACHABLE, ADDRESS, type MessagingSettings } from '@comeback/campaigns';
import { SEND_JOBS, sendJobId } from '@comeback/contracts';
import type { Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { smsInfo, estimateSmsCost } from '@comeback/sms';
import { compileTemplate, pickTemplate, type CompiledTemplate, type TemplateDefinition, type TemplateVariables } from '@comeback/templates';
import { FAN_OUT_OPTIONS, type FanOutOptions, SEND_QUEUES } from './fan-out.tokens';

/** Recipients rendered, inserted and enqueued per round: one INSERT and one addBulk per channel. */
const BATCH = 2000;

/** Retries of a send job for transient provider errors: 30 s, 1 min, 2 min, 4 min, 8 min. */
export const SEND_JOB_OPTIONS: JobsOptions = { attempts: 6, backoff: { type: 'exponential', delay: 30_000 }, removeOnComplete: true, removeOnFail: true };

/** "How to stop these messages", per channel and language (English when the language has none). */
const OPT_OUT_TEXT: Record<string, Partial<Record<Channel, string>>> = {
  en: { sms: 'Reply STOP to opt out.', viber: 'Unsubscribe in the chat menu.', email: 'Unsubscribe with the link below.', voice: 'Press 9 to stop these calls.' },
  ru: { sms: 'Чтобы отписаться, ответьте STOP.', viber: 'Отписаться можно в меню чата.', email: 'Отписаться можно по ссылке ниже.', voice: 'Нажмите 9, чтобы больше не получать звонков.' },
  ka: { sms: 'გამოსაწერად უპასუხეთ STOP.', viber: 'გამოწერის გაუქმება ჩატის მენიუშია.', email: 'გამოწერის გაუქმება ქვემოთ მოცემული ბმულით.', voice: 'დააჭირეთ 9-ს, რომ აღარ დაგირეკოთ.' },
};

export interface FanOutResult {
  campaignId: string;
  /** False when the campaign was not in a state to start (cancelled, paused, done, draft). */
  started: boolean;
  recipients: number;
  heldOut: number;
  /** Messages written and enqueued by this run (0 for a restart that found them all written). */
  messages: number;
  /** Recipients whose channels are all unreachable now (opted out since the audience was frozen). */
  unreachable: number;
  seconds: number;
}

interface CampaignRow {
  id: string;
  organization_id: string;
  status: string;
  template_key: string;
  channels: Channel[];
  control_share: string;
  audience: unknown;
  timezone: string;
  org_name: string;
  currency: string;
  default_locale: string;
  messaging_settings: unknown;
}

interface RecipientRow {
  client_id: string;
  name: string;
  locale: string | null;
  timezone: string | null;
  channel: Channel | null;
  to_address: string | null;
  last_visit_at: Date | null;
  staff_member: string | null;
  service: string | null;
}

/**
 * Starts a campaign: freezes its audience (one INSERT ... SELECT, control group included), then
 * renders each recipient's message in their channel and locale, writes the messages in batches
 * (unique per campaign, client and channel) and enqueues one send job per message, id
 * `message-<id>`, delayed to the client's allowed hours. Safe to run again after a crash: the
 * audience is frozen once, messages already written are skipped, and a restart re-enqueues every
 * message still queued (a job that exists is not added twice; the dispatcher ignores a job whose
 * message is no longer queued).
 */
@Injectable()
export class FanOutService {
  private readonly logger = new Logger('FanOutService');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SEND_QUEUES) private readonly queues: Record<Channel, Queue>,
    @Inject(FAN_OUT_OPTIONS) private readonly options: FanOutOptions,
  ) {}

  async start(campaignId: string, restart = false): Promise<FanOutResult> {
    const started = performance.now();
    const frozen = await this.freeze(campaignId);
    if (!frozen) return { campaignId, started: false, recipients: 0, heldOut: 0, messages: 0, unreachable: 0, seconds: 0 };
    const { campaign, settings, counts } = frozen;
    const templates = await this.templatesOf(campaign);
    const reasons = await this.reasonChoices(campaign.organization_id);
    let messages = 0;
    let unreachable = 0;
    let after = '0';
    for (;;) {
      const batch = await this.nextRecipients(campaign, after);
      if (!batch.length) break;
      after = batch[batch.length - 1].client_id;
      const rendered = this.render(campaign, settings, templates, reasons, batch);
      unreachable += batch.length - rendered.length;
      messages += await this.insertAndEnqueue(campaign, rendered);
    }
    if (restart) await this.requeueQueued(campaign.id);
    const seconds = (performance.now() - started) / 1000;
    this.logger.log(`campaign ${campaignId}: ${counts.recipients} recipients (${counts.heldOut} held out), ${messages} messages enqueued in ${seconds.toFixed(1)} s`);
    return { campaignId, started: true, recipients: counts.recipients, heldOut: counts.heldOut, messages, unreachable, seconds };
  }

  /**
   * Moves a scheduled campaign to running and freezes its audience, in one transaction with the
   * campaign row locked; a running one (a restart) is returned as it is. Anything else: null.
   */
  private async freeze(campaignId: string): Promise<{ campaign: CampaignRow; settings: MessagingSettings; counts: { recipients: number; heldOut: number } } | null> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const { rows } = await db.query<CampaignRow>(
        `SELECT c.id::text, c.organization_id, c.status, c.template_key, c.channels, c.control_share::text, c.audience,
                o.timezone, o.name AS org_name, o.currency, o.default_locale, o.messaging_settings
           FROM campaigns c JOIN organizations o ON o.id = c.organization_id
          WHERE c.id = $1 FOR UPDATE OF c`,
        [campaignId],
      );
      const campaign = rows[0];
      if (!campaign || (campaign.status !== 'scheduled' && campaign.status !== 'running')) {
        await db.query('ROLLBACK');
        return null;
      }
      const settings = parseMessagingSettings(campaign.messaging_settings);
      if (campaign.status === 'scheduled') await this.freezeAudience(db, campaign, settings);
      const counts = await db.query<{ recipients: number; held_out: number }>(
        `UPDATE campaigns c SET status = 'running', started_at = coalesce(started_at, now()), updated_at = now(),
                recipients = r.recipients, held_out = r.held_out
           FROM (SELECT count(*) FILTER (WHERE NOT control)::int AS recipients, count(*) FILTER (WHERE control)::int AS held_out
                   FROM campaign_recipients WHERE campaign_id = $1) r
          WHERE c.id = $1
          RETURNING c.recipients, c.held_out`,
        [campaignId],
      );
      await db.query('COMMIT');
      return { campaign, settings, counts: { recipients: counts.rows[0].recipients, heldOut: counts.rows[0].held_out } };
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }

  /** The audience (reachable, not held back by the frequency cap) into campaign_recipients, the control group marked. */
  private async freezeAudience(db: PoolClient, campaign: CampaignRow, settings: MessagingSettings): Promise<void> {
    const { sql, params } = audienceSql({
      organizationId: campaign.organization_id,
      timezone: campaign.timezone,
      audience: parseAudience(campaign.audience),
      channels: campaign.channels,
      frequencyCapDays: settings.frequencyCapDays,
      campaignId: campaign.id,
    });
    const c = `$${params.length + 1}`;
    const share = `$${params.length + 2}`;
    await db.query(
      `INSERT INTO campaign_recipients (campaign_id, client_id, organization_id, episode_id, control)
       SELECT ${c}::bigint, a.client_id, ${`$1`}, a.episode_id, ${controlGroupSql(c, share, 'a.client_id')}
         FROM (${sql}) a
        WHERE a.channel IS NOT NULL AND NOT a.capped
       ON CONFLICT DO NOTHING`,
      [...params, campaign.id, campaign.control_share],
    );
  }

  /** The organization's templates of the campaign's key, each compiled once. */
  private async templatesOf(campaign: CampaignRow): Promise<{ definitions: TemplateDefinition[]; compiled: Map<TemplateDefinition, CompiledTemplate> }> {
    const { rows } = await this.pool.query<{ channel: Channel; locale: string; parts: never }>(
      `SELECT channel, locale, parts FROM message_templates WHERE organization_id = $1 AND key = $2 ORDER BY channel, locale`,
      [campaign.organization_id, campaign.template_key],
    );
    const definitions = rows.map((r) => ({ channel: r.channel, locale: r.locale, parts: r.parts }) as TemplateDefinition);
    return { definitions, compiled: new Map(definitions.map((d) => [d, compileTemplate(d) as CompiledTemplate])) };
  }

  /** The organization's most used reasons, numbered, for "reply with a number" messages. */
  private async reasonChoices(organizationId: string): Promise<{ number: number; label: string }[]> {
    const { rows } = await this.pool.query<{ label: string }>(
      `SELECT r.label FROM churn_reasons r
         LEFT JOIN LATERAL (SELECT count(*) AS n FROM churn_episodes e WHERE e.organization_id = r.organization_id AND e.reason_id = r.id) u ON true
        WHERE r.organization_id = $1 ORDER BY u.n DESC, r.label LIMIT 5`,
      [organizationId],
    );
    return rows.map((r, i) => ({ number: i + 1, label: r.label }));
  }

  /** The next recipients without a message yet, with their channel (first reachable in the campaign's order) and card data. */
  private async nextRecipients(campaign: CampaignRow, after: string): Promise<RecipientRow[]> {
    const { rows } = await this.pool.query<RecipientRow>(
      `SELECT r.client_id::text, c.name, c.locale, c.timezone, ch.channel,
              CASE ch.channel WHEN 'sms' THEN ${ADDRESS.sms} WHEN 'voice' THEN ${ADDRESS.voice} WHEN 'email' THEN ${ADDRESS.email} WHEN 'viber' THEN ${ADDRESS.viber} END AS to_address,
              e.last_visit_at, sm.name AS staff_member, sv.name AS service
         FROM campaign_recipients r
         JOIN clients c ON c.organization_id = r.organization_id AND c.id = r.client_id
         LEFT JOIN churn_episodes e ON e.id = r.episode_id
         LEFT JOIN staff_members sm ON sm.id = e.staff_member_id
         LEFT JOIN services sv ON sv.id = e.service_id
         CROSS JOIN LATERAL (
           SELECT (SELECT o.ch FROM unnest($3::text[]) WITH ORDINALITY AS o(ch, i)
                    WHERE CASE o.ch WHEN 'sms' THEN ${REACHABLE.sms} WHEN 'voice' THEN ${REACHABLE.voice}
                                    WHEN 'email' THEN ${REACHABLE.email} WHEN 'viber' THEN ${REACHABLE.viber} ELSE false END
                    ORDER BY o.i LIMIT 1) AS channel) ch
        WHERE r.campaign_id = $1 AND NOT r.control AND r.client_id > $2::bigint
          AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.campaign_id = r.campaign_id AND m.client_id = r.client_id)
        ORDER BY r.client_id
        LIMIT ${BATCH}`,
      [campaign.id, after, campaign.channels],
    );
    return rows;
  }

  /** Renders each reachable recipient's message; recipients with no channel left are skipped. */
  private render(
    campaign: CampaignRow,
    settings: MessagingSettings,
    templates: { definitions: TemplateDefinition[]; compiled: Map<TemplateDefinition, CompiledTemplate> },
    reasons: { number: number; label: string }[],
    batch: RecipientRow[],
  ): RenderedMessage[] {
    const now = new Date();
    const out: RenderedMessage[] = [];
    for (const r of batch) {
      if (!r.channel || !r.to_address) continue;
      const picked = pickTemplate(templates.definitions, { channel: r.channel, clientLocale: r.locale, organizationLocale: campaign.default_locale });
      if (!picked) throw new Error(`campaign ${campaign.id}: no "${campaign.template_key}" template for channel ${r.channel}`);
      const token = randomBytes(18).toString('base64url');
      const timezone = r.timezone ?? campaign.timezone;
      const language = (r.locale ?? campaign.default_locale).slice(0, 2).toLowerCase();
      const variables: TemplateVariables = {
        client: { name: r.name, firstName: r.name.split(/\s+/u)[0] },
        lastVisit: { date: r.last_visit_at, staffMember: r.staff_member, service: r.service },
        organization: { name: campaign.org_name },
        feedbackUrl: `${this.options.publicFeedbackUrl}/f/${token}`,
        optOutUrl: `${this.options.publicFeedbackUrl}/u/${token}`,
        optOutText: (OPT_OUT_TEXT[language] ?? OPT_OUT_TEXT.en)[r.channel] ?? OPT_OUT_TEXT.en[r.channel],
        reasons,
        daysSinceLastVisit: r.last_visit_at ? Math.floor((now.getTime() - r.last_visit_at.getTime()) / 86_400_000) : null,
      };
      const rendered = templates.compiled.get(picked.template)!.render(variables, { locale: r.locale ?? campaign.default_locale, timezone, currency: campaign.currency });
      // E-mail also carries its one-click unsubscribe URL (RFC 8058 headers); the token is not kept anywhere else.
      const content = r.channel === 'email' ? { ...rendered, unsubscribeUrl: variables.optOutUrl } : rendered;
      let segments: number | null = null;
      let cost: string;
      if (r.channel === 'sms') {
        segments = smsInfo((content as { text: string }).text).segments;
        cost = estimateSmsCost(segments, 1, settings.prices.smsSegment);
      } else cost = r.channel === 'email' ? settings.prices.email : r.channel === 'viber' ? settings.prices.viber : settings.prices.voiceCall;
      // E-mail may arrive at any hour; texts and calls wait for the client's allowed hours.
      const notBefore = r.channel === 'email' ? null : nextAllowedAt(now, timezone, settings.allowedHours);
      out.push({
        clientId: r.client_id, channel: r.channel, to: r.to_address, locale: picked.locale, content, segments, cost,
        notBefore: notBefore && notBefore.getTime() > now.getTime() ? notBefore : null,
        tokenHash: createHash('sha256').update(token).digest(),
      });
    }
    return out;
  }

  /** One INSERT for the batch (a message already written is skipped), then one addBulk per channel. */
  private async insertAndEnqueue(campaign: CampaignRow, rendered: RenderedMessage[]): Promise<number> {
    if (!rendered.length) return 0;
    const { rows } = await this.pool.query<{ id: string; channel: Channel; not_before: Date | null }>(
      `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, feedback_token_hash, segments, cost, not_before)
       SELECT $1, $2, m.client_id, m.channel, m.to_address, m.locale, m.content, m.token_hash, m.segments, m.cost, m.not_before
         FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::bytea[], $9::int[], $10::numeric[], $11::timestamptz[])
              AS m(client_id, channel, to_address, locale, content, token_hash, segments, cost, not_before)
       ON CONFLICT (campaign_id, client_id, channel) DO NOTHING
       RETURNING id::text, channel, not_before`,
      [
        campaign.organization_id, campaign.id,
        rendered.map((m) => m.clientId), rendered.map((m) => m.channel), rendered.map((m) => m.to), rendered.map((m) => m.locale),
        rendered.map((m) => JSON.stringify(m.content)), rendered.map((m) => m.tokenHash), rendered.map((m) => m.segments),
        rendered.map((m) => m.cost), rendered.map((m) => m.notBefore),
      ],
    );
    await this.enqueue(rows);
    return rows.length;
  }

  private async enqueue(rows: { id: string; channel: Channel; not_before: Date | null }[]): Promise<void> {
    const now = Date.now();
    const byChannel = new Map<Channel, typeof rows>();
    for (const r of rows) byChannel.set(r.channel, [...(byChannel.get(r.channel) ?? []), r]);
    for (const [channel, list] of byChannel) {
      await this.queues[channel].addBulk(
        list.map((m) => ({
          name: SEND_JOBS[channel].job,
          data: { messageId: m.id },
          opts: { ...SEND_JOB_OPTIONS, jobId: sendJobId(m.id), delay: m.not_before ? Math.max(0, m.not_before.getTime() - now) : 0 },
        })),
      );
    }
  }

  /**
   * After a crash between writing messages and enqueueing them: enqueue every message of the
   * campaign still queued. A job that still exists is not added again (same job id).
   */
  async requeueQueued(campaignId: string): Promise<number> {
    let after = '0';
    let total = 0;
    for (;;) {
      const { rows } = await this.pool.query<{ id: string; channel: Channel; not_before: Date | null }>(
        `SELECT id::text, channel, not_before FROM messages WHERE campaign_id = $1 AND status = 'queued' AND id > $2::bigint ORDER BY id LIMIT 5000`,
        [campaignId, after],
      );
      if (!rows.length) return total;
      after = rows[rows.length - 1].id;
      await this.enqueue(rows);
      total += rows.length;
    }
  }
}

interface RenderedMessage {
  clientId: string;
  channel: Channel;
  to: string;
  locale: string;
  content: unknown;
  segments: number | null;
  cost: string;
  notBefore: Date | null;
  tokenHash: Buffer;
}
