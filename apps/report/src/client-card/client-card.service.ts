import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@comeback/platform';
import { labelInLocale, loadReasonBook, nearDuplicatesInBook, setEpisodeReason, suggestFromBook, type EpisodeReasonOutcome, type ReasonSuggestion } from '@comeback/reasons';
import type { Pool } from 'pg';
import { ConsoleError } from '../console/auth/console.errors';

export interface ClientCard {
  client: {
    id: string;
    externalId: string;
    name: string;
    phone: string | null;
    email: string | null;
    viberId: string | null;
    locale: string | null;
    timezone: string | null;
    consent: { channel: string; status: string }[];
    createdAt: Date;
  };
  totals: { visits: number; revenue: number; firstVisitAt: Date | null; lastVisitAt: Date | null };
  visits: { visitedAt: Date; amount: number; currency: string; staffMember: string | null; service: string | null }[];
  payments: { occurredAt: Date; status: string; amount: number; currency: string; failureCode: string | null }[];
  consentChanges: { channel: string; status: string; changedAt: Date; source: string }[];
  episodes: {
    id: string;
    status: string;
    open: boolean;
    detectedAt: Date;
    lapsedAt: Date | null;
    returnedAt: Date | null;
    lastVisitAt: Date;
    leftOn: string | null;
    method: string;
    usualGapDays: number | null;
    expectedNextVisitAt: Date | null;
    daysOverdue: number | null;
    pAlive: number | null;
    expectedVisits90d: number | null;
    score: number | null;
    churnType: string | null;
    gradual: boolean;
    valueTier: number | null;
    lifetimeVisits: number;
    lifetimeRevenue: number;
    revenue12m: number;
    reasonId: string | null;
    reason: string | null;
    reasonNote: string | null;
    reasonSetAt: Date | null;
    reasonSetBy: string | null;
    /** Where a reason the client gave came from (sms, viber, voice, feedback); null when staff recorded it. */
    reasonChannel: string | null;
    staffMember: string | null;
    service: string | null;
  }[];
  activities: { kind: string; occurredAt: Date; details: Record<string, unknown> }[];
}

export interface ReasonInput {
  /** What staff typed (kept to show the form again when it comes back with a warning). */
  label: string;
  /** The existing reason staff picked on the near-duplicate warning ("Use …"); when set, `label` is not read. */
  reasonId: string | null;
  note: string | null;
  leftOn: string | null;
  /** Staff saw the near-duplicate warning and still want a new reason. */
  confirmNew: boolean;
}

export type ReasonOutcome = EpisodeReasonOutcome;

/** A live reason (not retired, not merged) as the card offers it: labelled in the reader's locale. */
export interface ReasonOption {
  id: string;
  label: string;
}

export interface ReasonSuggestions {
  /** Ranked by the reason list's suggester: the one named exactly, then prefixes, then by closeness. */
  suggestions: ReasonSuggestion[];
  /** What saving the text as a new reason would warn about (the same check the server makes on save). */
  nearDuplicates: ReasonSuggestion[];
  /** The reason the text already names (label in any locale or alias), if any. */
  exact: ReasonSuggestion | null;
}

const CHANNELS = ['sms', 'email', 'viber', 'voice'] as const;

/**
 * A client's card (contact and consent, visits, payments, churn episodes with the numbers behind
 * each detection, the timeline), and recording the reason and date of leaving on an episode. Every
 * query is bounded by the organization of the signed-in account: an id from another business
 * finds nothing (404), never someone else's client.
 */
@Injectable()
export class ClientCardService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The card; reason labels in `locale` when the reason has one (see labelInLocale), else the default label. */
  async card(orgId: string, clientId: string, locale?: string): Promise<ClientCard> {
    const client = await this.pool.query(
      `SELECT id, external_id AS "externalId", name, phone, email, viber_id AS "viberId", locale, timezone, created_at AS "createdAt",
              consent_sms, consent_email, consent_viber, consent_voice
         FROM clients WHERE organization_id = $1 AND id = $2::bigint`,
      [orgId, clientId],
    );
    const c = client.rows[0];
    if (!c) throw new ConsoleError('NOT_FOUND', 'no such client');
    const args = [orgId, clientId];
    const [totals, visits, payments, consentChanges, episodes, activities] = await Promise.all([
      this.pool.query(
        `SELECT count(*)::int AS visits, coalesce(sum(amount), 0)::float8 AS revenue, min(visited_at) AS "firstVisitAt", max(visited_at) AS "lastVisitAt"
           FROM visits WHERE organization_id = $1 AND client_id = $2::bigint`,
        args,
      ),
      this.pool.query(
        `SELECT v.visited_at AS "visitedAt", v.amount::float8 AS amount, v.currency, st.name AS "staffMember", sv.name AS service
           FROM visits v LEFT JOIN staff_members st ON st.id = v.staff_member_id LEFT JOIN services sv ON sv.id = v.service_id
          WHERE v.organization_id = $1 AND v.client_id = $2::bigint ORDER BY v.visited_at DESC LIMIT 30`,
        args,
      ),
      this.pool.query(
        `SELECT occurred_at AS "occurredAt", status, amount::float8 AS amount, currency, failure_code AS "failureCode"
           FROM payment_events WHERE organization_id = $1 AND client_id = $2::bigint ORDER BY occurred_at DESC LIMIT 50`,
        args,
      ),
      this.pool.query(
        `SELECT channel, status, changed_at AS "changedAt", source FROM consent_changes
          WHERE organization_id = $1 AND client_id = $2::bigint ORDER BY changed_at DESC LIMIT 50`,
        args,
      ),
      this.pool.query(
        `SELECT e.id, e.status, e.status IN ('at_risk', 'lapsed') AS open, e.detected_at AS "detectedAt", e.lapsed_at AS "lapsedAt",
                e.returned_at AS "returnedAt", e.last_visit_at AS "lastVisitAt", e.left_on::text AS "leftOn", e.method,
                e.usual_gap_days AS "usualGapDays", e.expected_next_visit_at AS "expectedNextVisitAt",
                CASE WHEN e.status IN ('at_risk', 'lapsed') AND e.expected_next_visit_at IS NOT NULL
                     THEN greatest(0, floor(extract(epoch FROM now() - e.expected_next_visit_at) / 86400))::int END AS "daysOverdue",
                e.p_alive AS "pAlive", e.expected_visits_90d AS "expectedVisits90d", e.score, e.churn_type AS "churnType", e.gradual,
                e.value_tier AS "valueTier", e.lifetime_visits AS "lifetimeVisits", e.lifetime_revenue::float8 AS "lifetimeRevenue",
                e.revenue_12m::float8 AS "revenue12m", e.reason_id AS "reasonId",
                coalesce((SELECT l.label FROM reason_labels l WHERE l.reason_id = r.id AND l.locale = ANY($3::text[])
                           ORDER BY array_position($3::text[], l.locale) LIMIT 1), r.label) AS reason, e.reason_note AS "reasonNote",
                e.reason_set_at AS "reasonSetAt", a.display_name AS "reasonSetBy", e.reason_channel AS "reasonChannel", st.name AS "staffMember", sv.name AS service
           FROM churn_episodes e
           LEFT JOIN churn_reasons r ON r.id = e.reason_id
           LEFT JOIN staff_accounts a ON a.id = e.reason_set_by
           LEFT JOIN staff_members st ON st.id = e.staff_member_id
           LEFT JOIN services sv ON sv.id = e.service_id
          WHERE e.organization_id = $1 AND e.client_id = $2::bigint ORDER BY e.detected_at DESC, e.id DESC`,
        [...args, locale ? [locale, locale.split('-')[0]] : []],
      ),
      this.pool.query(
        `SELECT kind, occurred_at AS "occurredAt", details FROM client_activities
          WHERE organization_id = $1 AND client_id = $2::bigint ORDER BY occurred_at DESC, id DESC LIMIT 100`,
        args,
      ),
    ]);
    return {
      client: {
        id: c.id,
        externalId: c.externalId,
        name: c.name,
        phone: c.phone,
        email: c.email,
        viberId: c.viberId,
        locale: c.locale,
        timezone: c.timezone,
        createdAt: c.createdAt,
        consent: CHANNELS.map((channel) => ({ channel, status: c[`consent_${channel}`] })),
      },
      totals: totals.rows[0],
      visits: visits.rows,
      payments: payments.rows,
      consentChanges: consentChanges.rows,
      episodes: episodes.rows,
      activities: activities.rows,
    };
  }

  /** The organization's live reasons (not retired, not merged), labelled in `locale`, alphabetically: the reason field's list without script. */
  async reasons(orgId: string, locale?: string): Promise<ReasonOption[]> {
    const book = await loadReasonBook(this.pool, orgId);
    return book.reasons.map((r) => ({ id: r.id, label: labelInLocale(r, locale) })).sort((a, b) => a.label.localeCompare(b.label, locale));
  }

  /** The label of any reason of the organization (retired and merged too) in `locale`; null when there is none. */
  async reasonLabel(orgId: string, reasonId: string, locale?: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ label: string; labels: Record<string, string> }>(
      `SELECT r.label, coalesce((SELECT jsonb_object_agg(l.locale, l.label) FROM reason_labels l WHERE l.reason_id = r.id), '{}'::jsonb) AS labels
         FROM churn_reasons r WHERE r.organization_id = $1 AND r.id = $2::bigint`,
      [orgId, reasonId],
    );
    return rows[0] ? labelInLocale(rows[0], locale) : null;
  }

  /**
   * Reasons to offer while staff type, from the organization's live reasons (libs/reasons'
   * suggester: labels in every locale, aliases, word forms, other scripts), labelled in `locale`.
   */
  async suggest(orgId: string, text: string, locale?: string): Promise<ReasonSuggestions> {
    const book = await loadReasonBook(this.pool, orgId);
    const suggestions = suggestFromBook(text, book, { locale });
    return { suggestions, nearDuplicates: nearDuplicatesInBook(text, book, { locale }), exact: suggestions.find((s) => s.exact) ?? null };
  }

  /**
   * Records the reason (and optionally the date of leaving and a note) on one of the client's
   * episodes through the reason list (setEpisodeReason: an existing reason written differently is
   * reused, a new label close to an existing one waits for staff to confirm it, a merged reason's
   * id names its target, a retired one is refused), and puts it on the client's timeline, in one
   * transaction. Refusals are ReasonListErrors.
   */
  async recordReason(orgId: string, clientId: string, episodeId: string, accountId: string, input: ReasonInput, locale?: string): Promise<ReasonOutcome> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const outcome = await setEpisodeReason(db, {
        organizationId: orgId,
        clientId,
        episodeId,
        ...(input.reasonId ? { reasonId: input.reasonId } : { label: input.label }),
        confirmNew: input.confirmNew,
        note: input.note,
        leftOn: input.leftOn,
        setBy: accountId,
        locale,
      });
      if (outcome.saved) {
        await db.query(
          `INSERT INTO client_activities (organization_id, client_id, kind, occurred_at, details)
           SELECT $1, $2::bigint, 'reason.recorded', now(),
                  jsonb_build_object('episodeId', $3::text, 'reasonId', r.id::text, 'reason', r.label, 'note', $4::text, 'leftOn', $5::text,
                                     'byAccountId', $6::text, 'newReason', $7::boolean)
             FROM churn_reasons r WHERE r.organization_id = $1 AND r.id = $8::bigint`,
          [orgId, clientId, episodeId, input.note, input.leftOn, accountId, outcome.created, outcome.reasonId],
        );
      }
      await db.query('COMMIT');
      return outcome;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }
}
