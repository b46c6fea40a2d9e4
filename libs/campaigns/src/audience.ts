import { z } from 'zod';

const CHANNEL = z.enum(['sms', 'email', 'viber', 'voice']);
/**
 * A calendar day: the shape alone would let 2026-02-30 through to PostgreSQL, which refuses it (a
 * 500, not a 400). Years are bounded too: JavaScript takes year 0000, PostgreSQL does not (a 500,
 * and a scheduled campaign whose fan-out can never read its audience).
 */
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((v) => {
    const t = Date.parse(`${v}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().startsWith(v);
  }, 'is not a calendar date')
  .refine((v) => {
    if (!/^\d{4}-/.test(v)) return true; // the shape's own message says it
    const year = Number(v.slice(0, 4));
    return year >= 1900 && year <= 2100;
  }, 'must be a date between 1900 and 2100');
const id = z.string().regex(/^\d{1,18}$/, 'must be an id');

/**
 * Who a campaign goes to: the lost-clients list's filters (open episodes: at risk or lapsed) and
 * the campaign's own (last visit range, reachable on a channel). Dates are the organization's
 * local days. The exclusions are not options: see AUDIENCE_SQL.
 */
export const AUDIENCE_SCHEMA = z
  .object({
    status: z.enum(['at_risk', 'lapsed']).optional(),
    detectedFrom: day.optional(),
    detectedTo: day.optional(),
    churnType: z.enum(['voluntary', 'involuntary', 'passive']).optional(),
    /** 'none' = no reason recorded yet; otherwise a reason id. */
    reason: z.union([z.literal('none'), id]).optional(),
    tier: z.number().int().min(1).max(3).optional(),
    staff: id.optional(),
    service: id.optional(),
    lastVisitFrom: day.optional(),
    lastVisitTo: day.optional(),
    /** Only clients reachable on this channel (address known, not opted out). */
    reachableOn: CHANNEL.optional(),
  })
  .strict();
export type Audience = z.output<typeof AUDIENCE_SCHEMA>;

/** Whether a client (alias c) can be sent a message on a channel: an address, and no opt-out. */
export const REACHABLE: Record<z.output<typeof CHANNEL>, string> = {
  sms: `(c.phone IS NOT NULL AND c.consent_sms <> 'revoked')`,
  voice: `(c.phone IS NOT NULL AND c.consent_voice <> 'revoked')`,
  email: `(c.email IS NOT NULL AND c.consent_email <> 'revoked')`,
  viber: `(c.viber_id IS NOT NULL AND c.consent_viber <> 'revoked')`,
};

/** The address of a client (alias c) on a channel. */
export const ADDRESS: Record<z.output<typeof CHANNEL>, string> = { sms: 'c.phone', voice: 'c.phone', email: 'c.email', viber: 'c.viber_id' };

export interface AudienceQuery {
  organizationId: string;
  timezone: string;
  audience: Audience;
  /** The campaign's channel order: a client goes on the first one they are reachable on. */
  channels: readonly string[];
  frequencyCapDays: number;
  /** A campaign's own messages do not count against its frequency cap (a restarted fan-out). */
  campaignId?: string;
}

/**
 * The audience as one SELECT of (client_id, episode_id, channel, capped): open episodes (at risk
 * or lapsed; a client who returned has none) matching the filters, each with the first channel of
 * the campaign's order the client is reachable on (NULL: none, e.g. opted out everywhere), and
 * whether the frequency cap holds them back (a message queued, sent or in doubt to them within the
 * cap's days, by any campaign). Callers count it or freeze it; nothing is decided row by row in Node.
 */
export function audienceSql(q: AudienceQuery): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const a = q.audience;
  const org = p(q.organizationId);
  const conditions = [`e.organization_id = ${org}`, `e.status IN ('at_risk', 'lapsed')`];
  const localDayStart = (d: string) => `(${p(d)}::date::timestamp AT TIME ZONE ${p(q.timezone)})`;
  const localDayEnd = (d: string) => `((${p(d)}::date + 1)::timestamp AT TIME ZONE ${p(q.timezone)})`;
  if (a.status) conditions.push(`e.status = ${p(a.status)}`);
  if (a.detectedFrom) conditions.push(`e.detected_at >= ${localDayStart(a.detectedFrom)}`);
  if (a.detectedTo) conditions.push(`e.detected_at < ${localDayEnd(a.detectedTo)}`);
  if (a.churnType) conditions.push(`e.churn_type = ${p(a.churnType)}`);
  if (a.reason === 'none') conditions.push(`e.reason_id IS NULL`);
  else if (a.reason) conditions.push(`e.reason_id = ${p(a.reason)}::bigint`);
  if (a.tier) conditions.push(`e.value_tier = ${p(a.tier)}`);
  if (a.staff) conditions.push(`e.staff_member_id = ${p(a.staff)}::bigint`);
  if (a.service) conditions.push(`e.service_id = ${p(a.service)}::bigint`);
  if (a.lastVisitFrom) conditions.push(`e.last_visit_at >= ${localDayStart(a.lastVisitFrom)}`);
  if (a.lastVisitTo) conditions.push(`e.last_visit_at < ${localDayEnd(a.lastVisitTo)}`);
  if (a.reachableOn) conditions.push(REACHABLE[a.reachableOn]);
  const channels = p(q.channels);
  const cap = p(q.frequencyCapDays);
  const own = p(q.campaignId ?? null);
  const sql = `
    SELECT e.client_id, e.id AS episode_id,
           (SELECT o.ch FROM unnest(${channels}::text[]) WITH ORDINALITY AS o(ch, i)
             WHERE CASE o.ch WHEN 'sms' THEN ${REACHABLE.sms} WHEN 'voice' THEN ${REACHABLE.voice}
                             WHEN 'email' THEN ${REACHABLE.email} WHEN 'viber' THEN ${REACHABLE.viber} ELSE false END
             ORDER BY o.i LIMIT 1) AS channel,
           EXISTS (SELECT 1 FROM messages m
                    WHERE m.organization_id = ${org} AND m.client_id = e.client_id
                      AND m.campaign_id IS DISTINCT FROM ${own}::bigint
                      AND m.status IN ('queued', 'sending', 'sent', 'delivered', 'undelivered', 'in_doubt')
                      AND coalesce(m.sent_at, m.queued_at) > now() - make_interval(days => ${cap}::int)) AS capped
      FROM churn_episodes e
      JOIN clients c ON c.organization_id = e.organization_id AND c.id = e.client_id
     WHERE ${conditions.join(' AND ')}`;
  return { sql, params };
}

/** Parses stored or submitted audience filters; a bad one names its field. */
export function parseAudience(input: unknown): Audience {
  const parsed = AUDIENCE_SCHEMA.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InvalidAudienceError(issue.path.join('.') || '(root)', issue.message);
}

export class InvalidAudienceError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`audience: ${field}: ${message}`);
    this.name = 'InvalidAudienceError';
  }
}

/**
 * Whether a client is held out of a campaign (the control group): a hash of (campaign, client)
 * mapped to [0, 1) and compared with the share, in SQL so the whole audience is split in one
 * statement. The same campaign and client always land on the same side; different campaigns
 * split independently. `$campaign` and `$share` are placeholders of the caller's statement.
 */
export const controlGroupSql = (campaign: string, share: string, clientColumn: string) =>
  `((hashtextextended(${campaign}::text || ':' || ${clientColumn}::text, 0)::numeric + 9223372036854775808) / 18446744073709551616 < ${share}::numeric)`;
