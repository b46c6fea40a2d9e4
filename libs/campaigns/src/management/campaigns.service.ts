import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { INBOUND_JOB_OPTIONS, inboundJobId, JobName, SEND_JOBS, sendJobId, type InboundPayload } from '@comeback/contracts';
import type { Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { audienceSql, parseAudience } from '../audience';
import { parseMessagingSettings } from '../messaging-settings';
import { CampaignError } from './campaign.error';
import type { CreateCampaign } from './inputs';
import { requeueQueuedMessages, SEND_JOB_OPTIONS } from './send-jobs';
import { TemplatesService, type SmsSampleRecipient } from './templates.service';
import { CAMPAIGNS_QUEUE, INBOUND_QUEUE, SEND_QUEUES } from './tokens';

export interface CampaignView {
  id: string;
  name: string;
  status: string;
  templateKey: string;
  channels: Channel[];
  fallbackAfterHours: number | null;
  controlShare: number;
  audience: Record<string, unknown>;
  scheduledAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  recipients: number;
  heldOut: number;
  /** Messages by delivery state. */
  progress: Record<string, number>;
  /** Messages the client answered (any delivery state). */
  replied: number;
  /**
   * What the messages that left so far cost (sending, sent, delivered, undelivered, in doubt;
   * estimates per message, in the organization's currency). Messages still queued, cancelled or
   * refused before sending cost nothing.
   */
  cost: string;
}

export interface CampaignEstimate {
  /** Open episodes matching the filters. */
  matching: number;
  /** Left out: contacted within the frequency cap. */
  capped: number;
  /** Left out: reachable on none of the campaign's channels (no address, or opted out). */
  unreachable: number;
  /** Expected to be held out as the control group. */
  controlGroup: number;
  /** Expected messages per channel. */
  byChannel: Partial<Record<Channel, number>>;
  /**
   * SMS segments per message assumed: the most of any message rendered for a sample of the SMS
   * audience (each with the template of their locale), so the cost is an upper bound. Null when
   * nobody would get an SMS (or no SMS template matches).
   */
  smsSegments: number | null;
  /** At most: every SMS at smsSegments. Fallback messages (a next channel) are not counted. */
  cost: string;
  currency: string;
}

/** A campaign's start job (the fan-out): retried with backoff if the fan-out fails part-way. */
const START_JOB_OPTIONS = { attempts: 5, backoff: { type: 'exponential', delay: 10_000 }, removeOnComplete: true, removeOnFail: true } as const;

/** Recipients whose SMS the estimate renders to bound its segments. */
const SMS_SAMPLE = 50;

/**
 * Messages that left for the provider, and so cost money: handed over (sending, sent), answered by
 * a receipt (delivered, undelivered), or possibly handed over (in doubt). Queued, cancelled,
 * failed and dead ones never left.
 */
const SPENT_STATUSES = `'sending', 'sent', 'delivered', 'undelivered', 'in_doubt'`;

const VIEW = `
  SELECT c.id::text, c.name, c.status, c.template_key AS "templateKey", c.channels, c.fallback_after_hours AS "fallbackAfterHours",
         c.control_share::float8 AS "controlShare", c.audience, c.scheduled_at AS "scheduledAt", c.started_at AS "startedAt",
         c.finished_at AS "finishedAt", c.recipients, c.held_out AS "heldOut",
         coalesce((SELECT jsonb_object_agg(s.status, s.n) FROM (SELECT status, count(*)::int AS n FROM messages WHERE campaign_id = c.id GROUP BY status) s), '{}') AS progress,
         (SELECT count(*)::int FROM messages WHERE campaign_id = c.id AND replied_at IS NOT NULL) AS replied,
         coalesce((SELECT sum(cost) FROM messages WHERE campaign_id = c.id AND status IN (${SPENT_STATUSES})), 0)::numeric(14,4)::text AS cost
    FROM campaigns c`;

/**
 * Campaigns: drafts, the estimate before start (audience and cost), scheduling (a delayed start
 * job), pause, resume and cancel; dead letters and their retry. Every query is scoped to the
 * organization of the caller's key.
 */
@Injectable()
export class CampaignsService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CAMPAIGNS_QUEUE) private readonly campaigns: Queue,
    @Inject(SEND_QUEUES) private readonly sends: Record<Channel, Queue>,
    private readonly templates: TemplatesService,
    @Inject(INBOUND_QUEUE) private readonly inbound: Queue,
  ) {}

  async create(organizationId: string, c: CreateCampaign, accountId: string | null = null): Promise<CampaignView> {
    await this.checkAudienceIds(organizationId, c.audience);
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO campaigns (organization_id, name, template_key, channels, fallback_after_hours, control_share, audience, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text`,
      [organizationId, c.name, c.templateKey, c.channels, c.fallbackAfterHours, c.controlShare, c.audience, accountId],
    );
    return this.get(organizationId, rows[0].id);
  }

  /**
   * The audience's staff member, service and reason must be the organization's own. Another
   * organization's id would match no one, yet be stored as the campaign's filter: refused as bad
   * input naming the field, like any other id that is not one of ours.
   */
  private async checkAudienceIds(organizationId: string, input: Record<string, unknown>): Promise<void> {
    const audience = parseAudience(input);
    const refs = [
      { field: 'staff', table: 'staff_members', id: audience.staff, what: 'staff member' },
      { field: 'service', table: 'services', id: audience.service, what: 'service' },
      { field: 'reason', table: 'churn_reasons', id: audience.reason === 'none' ? undefined : audience.reason, what: 'reason' },
    ];
    for (const ref of refs) {
      if (ref.id === undefined) continue;
      const { rowCount } = await this.pool.query(`SELECT 1 FROM ${ref.table} WHERE organization_id = $1 AND id = $2`, [organizationId, ref.id]);
      if (!rowCount) {
        throw new CampaignError('INVALID_BODY', `no ${ref.what} ${ref.id} in this organization`, [{ field: `audience.${ref.field}`, message: `no ${ref.what} with this id in this organization` }]);
      }
    }
  }

  async list(organizationId: string): Promise<CampaignView[]> {
    return (await this.pool.query<CampaignView>(`${VIEW} WHERE c.organization_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT 200`, [organizationId])).rows;
  }

  async get(organizationId: string, id: string): Promise<CampaignView> {
    if (!/^\d{1,18}$/.test(id)) throw new CampaignError('NOT_FOUND', `no campaign ${id}`);
    const { rows } = await this.pool.query<CampaignView>(`${VIEW} WHERE c.organization_id = $1 AND c.id = $2`, [organizationId, id]);
    if (!rows.length) throw new CampaignError('NOT_FOUND', `no campaign ${id}`);
    return rows[0];
  }

  /** Who the campaign would reach now and what it would cost, without starting it (one aggregate over the audience). */
  async estimate(organizationId: string, id: string): Promise<CampaignEstimate> {
    return this.estimateDraft(organizationId, await this.get(organizationId, id));
  }

  /**
   * The estimate of a campaign as being composed (the console's wizard asks as filters change):
   * nothing is saved. Same figures as for a saved draft.
   */
  async estimateDraft(organizationId: string, campaign: Pick<CreateCampaign, 'templateKey' | 'channels' | 'controlShare' | 'audience'>): Promise<CampaignEstimate> {
    const org = (
      await this.pool.query<{ timezone: string; currency: string; messaging_settings: unknown }>(`SELECT timezone, currency, messaging_settings FROM organizations WHERE id = $1`, [organizationId])
    ).rows[0];
    if (!org) throw new CampaignError('NOT_FOUND', 'no such organization');
    await this.checkAudienceIds(organizationId, campaign.audience);
    const settings = parseMessagingSettings(org.messaging_settings);
    const { sql, params } = audienceSql({
      organizationId, timezone: org.timezone, audience: parseAudience(campaign.audience), channels: campaign.channels, frequencyCapDays: settings.frequencyCapDays,
    });
    const { rows } = await this.pool.query<{ channel: Channel | null; capped: boolean; n: number }>(
      `SELECT channel, capped, count(*)::int AS n FROM (${sql}) a GROUP BY 1, 2`,
      params,
    );
    const matching = rows.reduce((s, r) => s + r.n, 0);
    const capped = rows.filter((r) => r.capped).reduce((s, r) => s + r.n, 0);
    const unreachable = rows.filter((r) => !r.capped && r.channel === null).reduce((s, r) => s + r.n, 0);
    const eligible = rows.filter((r) => !r.capped && r.channel !== null);
    const keep = 1 - campaign.controlShare;
    const byChannel: Partial<Record<Channel, number>> = {};
    for (const r of eligible) byChannel[r.channel!] = Math.round((byChannel[r.channel!] ?? 0) + r.n * keep);
    const controlGroup = eligible.reduce((s, r) => s + r.n, 0) - Object.values(byChannel).reduce((s, n) => s + n, 0);
    const smsSegments = byChannel.sms ? await this.templates.smsSegmentsFor(organizationId, campaign.templateKey, await this.smsSample(sql, params)) : null;
    // Exact decimal arithmetic in SQL rather than floats in Node.
    const cost = (
      await this.pool.query<{ cost: string }>(
        `SELECT ($1::numeric * $2::numeric * $3::numeric + $4::numeric * $5::numeric + $6::numeric * $7::numeric + $8::numeric * $9::numeric)::numeric(14,4)::text AS cost`,
        [byChannel.sms ?? 0, settings.prices.smsSegment, smsSegments ?? 1, byChannel.email ?? 0, settings.prices.email, byChannel.viber ?? 0, settings.prices.viber,
          byChannel.voice ?? 0, settings.prices.voiceCall],
      )
    ).rows[0].cost;
    return { matching, capped, unreachable, controlGroup, byChannel, smsSegments, cost, currency: org.currency };
  }

  /**
   * Up to SMS_SAMPLE recipients of the audience's SMS (reachable first on SMS, not capped) whose
   * messages the estimate renders: the heaviest of each locale, the heaviest overall, then a
   * deterministic spread (a hash of the client id). "Heaviest" is the UTF-8 length of the name,
   * staff member and service: a name in Georgian or Cyrillic weighs two or three times a Latin
   * one, as it does in segments (UCS-2). One statement; only the top rows of each order are kept.
   */
  private async smsSample(audienceSql: string, params: unknown[]): Promise<SmsSampleRecipient[]> {
    // audienceSql's $1 is the organization id.
    const { rows } = await this.pool.query<SmsSampleRecipient & { clientId: string }>(
      `WITH r AS MATERIALIZED (
         SELECT a.client_id, c.name, c.locale, c.timezone, e.last_visit_at, sm.name AS staff_member, sv.name AS service,
                lower(coalesce(c.locale, '')) AS locale_key,
                octet_length(c.name) + coalesce(octet_length(sm.name), 0) + coalesce(octet_length(sv.name), 0) AS weight,
                hashtextextended(a.client_id::text, 0) AS spread
           FROM (${audienceSql}) a
           JOIN clients c ON c.organization_id = $1 AND c.id = a.client_id
           JOIN churn_episodes e ON e.id = a.episode_id
           LEFT JOIN staff_members sm ON sm.id = e.staff_member_id
           LEFT JOIN services sv ON sv.id = e.service_id
          WHERE a.channel = 'sms' AND NOT a.capped
       ), sample AS (
         (SELECT 0 AS pick, * FROM (SELECT DISTINCT ON (locale_key) * FROM r ORDER BY locale_key, weight DESC, spread) l ORDER BY weight DESC, spread LIMIT ${SMS_SAMPLE / 2})
         UNION ALL (SELECT 1, * FROM r ORDER BY weight DESC, spread LIMIT ${SMS_SAMPLE / 2})
         UNION ALL (SELECT 2, * FROM r ORDER BY spread LIMIT ${SMS_SAMPLE})
       )
       SELECT client_id::text AS "clientId", name, locale, timezone, last_visit_at AS "lastVisitAt", staff_member AS "staffMember", service
         FROM sample ORDER BY pick, CASE WHEN pick = 2 THEN 0 ELSE weight END DESC, spread`,
      params,
    );
    const seen = new Set<string>();
    return rows.filter((r) => !seen.has(r.clientId) && seen.add(r.clientId)).slice(0, SMS_SAMPLE);
  }

  /** draft -> scheduled, with a start job delayed to `at` (now when absent). Every channel needs a template. */
  async schedule(organizationId: string, id: string, at?: string): Promise<CampaignView> {
    const campaign = await this.get(organizationId, id);
    if (campaign.status !== 'draft') throw new CampaignError('INVALID_STATE', `campaign ${id} is ${campaign.status}; only a draft can be scheduled`);
    const have = new Set((await this.templates.list(organizationId)).filter((t) => t.key === campaign.templateKey).map((t) => t.channel));
    const missing = campaign.channels.filter((c) => !have.has(c));
    if (missing.length) {
      throw new CampaignError('INVALID_STATE', `no "${campaign.templateKey}" template for ${missing.join(', ')}`, missing.map((c) => ({ field: 'channels', message: `no template for ${c}` })));
    }
    const startAt = at ? new Date(at) : new Date();
    const updated = await this.pool.query(`UPDATE campaigns SET status = 'scheduled', scheduled_at = $3, updated_at = now() WHERE organization_id = $1 AND id = $2 AND status = 'draft'`, [
      organizationId, id, startAt,
    ]);
    if (updated.rowCount !== 1) throw new CampaignError('INVALID_STATE', `campaign ${id} changed meanwhile`);
    await this.campaigns.add(
      JobName.StartCampaign,
      { campaignId: id },
      { ...START_JOB_OPTIONS, jobId: `campaign-${id}`, delay: Math.max(0, startAt.getTime() - Date.now()) },
    );
    return this.get(organizationId, id);
  }

  /** running -> paused: the dispatcher leaves its queued messages alone until resumed. */
  async pause(organizationId: string, id: string): Promise<CampaignView> {
    return this.transition(organizationId, id, ['running'], 'paused');
  }

  /** paused -> running, and its queued messages are enqueued again. */
  async resume(organizationId: string, id: string): Promise<CampaignView> {
    const view = await this.transition(organizationId, id, ['paused'], 'running');
    await requeueQueuedMessages(this.pool, this.sends, id);
    // A fan-out that stopped part-way while the campaign was paused (it gave up its retries) is
    // started again: it writes the rest of the audience. A start job still pending is not doubled.
    const { rows } = await this.pool.query<{ pending: boolean }>(`SELECT fanned_out_at IS NULL AS pending FROM campaigns WHERE id = $1`, [id]);
    if (rows[0]?.pending) await this.campaigns.add(JobName.StartCampaign, { campaignId: id }, { ...START_JOB_OPTIONS, jobId: `campaign-${id}` });
    return view;
  }

  /** Stops a campaign for good: messages not yet sent are cancelled (a scheduled start does nothing). */
  async cancel(organizationId: string, id: string): Promise<CampaignView> {
    const view = await this.transition(organizationId, id, ['draft', 'scheduled', 'running', 'paused'], 'cancelled');
    await this.pool.query(`UPDATE messages SET status = 'cancelled', updated_at = now() WHERE campaign_id = $1 AND status = 'queued'`, [id]);
    return this.get(organizationId, view.id);
  }

  private async transition(organizationId: string, id: string, from: string[], to: string): Promise<CampaignView> {
    const campaign = await this.get(organizationId, id);
    const { rowCount } = await this.pool.query(
      `UPDATE campaigns SET status = $4, updated_at = now(), finished_at = CASE WHEN $4 = 'cancelled' THEN now() ELSE finished_at END
        WHERE organization_id = $1 AND id = $2 AND status = ANY($3::text[])`,
      [organizationId, id, from, to],
    );
    if (rowCount !== 1) throw new CampaignError('INVALID_STATE', `campaign ${id} is ${campaign.status}; it cannot become ${to}`);
    return this.get(organizationId, id);
  }

  /**
   * Messages staff must look at: refused (failed), given up (dead), or in doubt after a crash.
   * A refused message that already fell back to the next channel is left out: the client was asked
   * there, and it cannot be retried.
   */
  async deadLetters(organizationId: string): Promise<Record<string, unknown>[]> {
    const { rows } = await this.pool.query(
      `SELECT m.id::text, m.campaign_id::text AS "campaignId", m.client_id::text AS "clientId", cl.name AS "clientName", m.channel, m.status,
              m.to_address AS "to", m.attempts, m.provider, m.last_error_code AS "errorCode", m.last_error AS error, m.updated_at AS "updatedAt"
         FROM messages m JOIN clients cl ON cl.organization_id = m.organization_id AND cl.id = m.client_id
        WHERE m.organization_id = $1 AND m.status IN ('failed', 'dead', 'in_doubt')
          AND NOT EXISTS (SELECT 1 FROM messages f WHERE f.fallback_of = m.id)
        ORDER BY m.updated_at DESC, m.id DESC LIMIT 500`,
      [organizationId],
    );
    return rows;
  }

  /**
   * Retries a dead letter: a failed or dead message is queued and sent again. A message in doubt
   * needs staff to say what happened: `resend` (the client did not get it) or `mark-sent`.
   */
  async retry(organizationId: string, messageId: string, action?: 'resend' | 'mark-sent'): Promise<{ id: string; status: string }> {
    if (!/^\d{1,18}$/.test(messageId)) throw new CampaignError('NOT_FOUND', `no message ${messageId}`);
    // One transaction with the campaign row locked, as the fallback sweep takes it to write a
    // fallback: a retry and a fallback of the same message cannot both happen.
    const db = await this.pool.connect();
    let channel: Channel;
    try {
      await db.query('BEGIN');
      const { rows } = await db.query<{ status: string; channel: Channel; campaign_id: string; campaign_status: string; fallback: string | null; fallback_channel: Channel | null }>(
        `SELECT m.status, m.channel, m.campaign_id::text, c.status AS campaign_status, f.id::text AS fallback, f.channel AS fallback_channel
           FROM messages m JOIN campaigns c ON c.id = m.campaign_id
           LEFT JOIN messages f ON f.fallback_of = m.id
          WHERE m.organization_id = $1 AND m.id = $2
            FOR UPDATE OF c, m`,
        [organizationId, messageId],
      );
      if (!rows.length) throw new CampaignError('NOT_FOUND', `no message ${messageId}`);
      const m = rows[0];
      channel = m.channel;
      if (m.status === 'in_doubt' && !action) {
        throw new CampaignError('INVALID_STATE', 'this message may have reached the client: say "resend" or "mark-sent"', [{ field: 'action', message: 'required for a message in doubt' }]);
      }
      if (m.status === 'in_doubt' && action === 'mark-sent') {
        await db.query(`UPDATE messages SET status = 'sent', sent_at = coalesce(sent_at, now()), updated_at = now() WHERE id = $1 AND status = 'in_doubt'`, [messageId]);
        await db.query('COMMIT');
        return { id: messageId, status: 'sent' };
      }
      if (!['failed', 'dead', 'in_doubt'].includes(m.status)) throw new CampaignError('INVALID_STATE', `message ${messageId} is ${m.status}; only dead letters are retried`);
      // A cancelled campaign sends nothing more: a retried message would stay queued for ever (and
      // hold its client back by the frequency cap).
      if (!['running', 'paused', 'done'].includes(m.campaign_status)) {
        throw new CampaignError('INVALID_STATE', `campaign ${m.campaign_id} is ${m.campaign_status}; its messages are not sent again`, [{ field: 'messageId', message: `the campaign is ${m.campaign_status}` }]);
      }
      // A refused message that already fell back to the next channel reached (or is reaching) the
      // client there: sending it again would ask them twice.
      if (m.fallback) {
        throw new CampaignError('INVALID_STATE', `message ${messageId} already fell back to ${m.fallback_channel} (message ${m.fallback}); it is not sent again`, [
          { field: 'messageId', message: `replaced by message ${m.fallback} on ${m.fallback_channel}` },
        ]);
      }
      await db.query(
        `UPDATE messages SET status = 'queued', attempts = 0, last_error_code = NULL, last_error = NULL, failed_at = NULL, updated_at = now() WHERE id = $1 AND status = $2`,
        [messageId, m.status],
      );
      // The campaign may have finished meanwhile: running again until this message is settled.
      await db.query(`UPDATE campaigns SET status = 'running', finished_at = NULL, updated_at = now() WHERE id = $1 AND status = 'done'`, [m.campaign_id]);
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
    await this.sends[channel].add(SEND_JOBS[channel].job, { messageId }, { ...SEND_JOB_OPTIONS, jobId: sendJobId(messageId) });
    return { id: messageId, status: 'queued' };
  }


  /**
   * The sandbox provider's outbox (the demo's and development's "sent" messages), newest first,
   * each with the replies staff simulated for it.
   */
  async sandbox(organizationId: string, limit = 100): Promise<SandboxEntry[]> {
    const { rows } = await this.pool.query<SandboxEntry>(
      `SELECT s.id::text, s.message_id::text AS "messageId", m.campaign_id::text AS "campaignId", m.client_id::text AS "clientId", cl.name AS "clientName",
              s.channel, s.to_address AS "to", s.content, s.accepted_at AS "acceptedAt", m.status, m.replied_at AS "repliedAt",
              coalesce((SELECT jsonb_agg(jsonb_build_object('text', r.content->>'text', 'at', r.accepted_at) ORDER BY r.id)
                          FROM sandbox_messages r WHERE r.message_id = s.message_id AND r.direction = 'in'), '[]') AS replies
         FROM sandbox_messages s
         JOIN messages m ON m.id = s.message_id AND m.organization_id = s.organization_id
         JOIN clients cl ON cl.organization_id = m.organization_id AND cl.id = m.client_id
        WHERE s.organization_id = $1 AND s.direction = 'out'
        ORDER BY s.id DESC LIMIT $2`,
      [organizationId, limit],
    );
    return rows;
  }

  /**
   * A reply to a sandbox message, as if the client had answered on that channel: kept in the
   * sandbox's inbox and marked on the message (a replied message never falls back). The text is
   * stored NFKC-normalised. Only messages the sandbox sent can be answered this way.
   */
  async sandboxReply(organizationId: string, messageId: string, text: string): Promise<{ messageId: string; repliedAt: Date }> {
    if (!/^\d{1,18}$/.test(messageId)) throw new CampaignError('NOT_FOUND', `no message ${messageId}`);
    const reply = text.normalize('NFKC').trim();
    if (!reply) throw new CampaignError('INVALID_BODY', 'the reply is empty', [{ field: 'text', message: 'write what the client answers' }]);
    if (reply.length > 2000) throw new CampaignError('INVALID_BODY', 'the reply is too long', [{ field: 'text', message: 'at most 2,000 characters' }]);
    const { rows } = await this.pool.query<{ repliedAt: Date; replyId: string; channel: Channel; to: string }>(
      `WITH m AS (
         SELECT m.id, m.channel, m.to_address FROM messages m
          WHERE m.organization_id = $1 AND m.id = $2 AND EXISTS (SELECT 1 FROM sandbox_messages s WHERE s.message_id = m.id AND s.direction = 'out')
       ), reply AS (
         INSERT INTO sandbox_messages (organization_id, message_id, channel, to_address, content, direction)
         SELECT $1, m.id, m.channel, m.to_address, jsonb_build_object('text', $3::text), 'in' FROM m
         RETURNING id
       )
       UPDATE messages SET replied_at = coalesce(replied_at, now()), updated_at = now() FROM m, reply WHERE messages.id = m.id
       RETURNING messages.replied_at AS "repliedAt", reply.id::text AS "replyId", m.channel, m.to_address AS "to"`,
      [organizationId, messageId, reply],
    );
    if (!rows.length) throw new CampaignError('NOT_FOUND', `no sandbox message ${messageId}`);
    // Then it goes where a real reply goes: the response collector's intake, which matches it and
    // writes it to the client's card (the sandbox inbox is only the phone the demo pretends to be).
    const { replyId, channel, to } = rows[0];
    const data: InboundPayload = { source: 'sandbox', key: replyId, receivedAt: new Date().toISOString(), payload: { organizationId, channel, from: to, text: reply } };
    await this.inbound.add(JobName.ProcessInbound, data, { ...INBOUND_JOB_OPTIONS, jobId: inboundJobId('sandbox', replyId) });
    return { messageId, repliedAt: rows[0].repliedAt };
  }
}

/** A message in the sandbox's outbox, with the replies simulated for it. */
export interface SandboxEntry {
  id: string;
  messageId: string;
  campaignId: string;
  clientId: string;
  clientName: string;
  channel: Channel;
  to: string;
  content: Record<string, unknown>;
  acceptedAt: Date;
  status: string;
  repliedAt: Date | null;
  replies: { text: string; at: string }[];
}
