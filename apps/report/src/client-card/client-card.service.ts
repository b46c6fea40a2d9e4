import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@comeback/platform';
import { nearDuplicates, rankReasons, sameReason, tidyReasonLabel, type ReasonCandidate, type ScoredReason } from '@comeback/reasons';
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
  label: string;
  note: string | null;
  leftOn: string | null;
  /** Staff saw the near-duplicate warning and still want a new reason. */
  confirmNew: boolean;
}

export type ReasonOutcome = { saved: true; reasonId: string; created: boolean } | { saved: false; nearDuplicates: ScoredReason[] };

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

  async card(orgId: string, clientId: string): Promise<ClientCard> {
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
                e.revenue_12m::float8 AS "revenue12m", e.reason_id AS "reasonId", r.label AS reason, e.reason_note AS "reasonNote",
                e.reason_set_at AS "reasonSetAt", a.display_name AS "reasonSetBy", e.reason_channel AS "reasonChannel", st.name AS "staffMember", sv.name AS service
           FROM churn_episodes e
           LEFT JOIN churn_reasons r ON r.id = e.reason_id
           LEFT JOIN staff_accounts a ON a.id = e.reason_set_by
           LEFT JOIN staff_members st ON st.id = e.staff_member_id
           LEFT JOIN services sv ON sv.id = e.service_id
          WHERE e.organization_id = $1 AND e.client_id = $2::bigint ORDER BY e.detected_at DESC, e.id DESC`,
        args,
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

  async reasons(orgId: string): Promise<ReasonCandidate[]> {
    const { rows } = await this.pool.query<ReasonCandidate>(`SELECT id::text, label FROM churn_reasons WHERE organization_id = $1 ORDER BY label`, [orgId]);
    return rows;
  }

  /** Reasons to offer while staff type: prefix matches first, then similar labels (any script). */
  async suggest(orgId: string, text: string): Promise<{ suggestions: ScoredReason[]; nearDuplicates: ScoredReason[]; exact: ReasonCandidate | null }> {
    const reasons = await this.reasons(orgId);
    return { suggestions: rankReasons(text, reasons), nearDuplicates: nearDuplicates(text, reasons), exact: sameReason(text, reasons) ?? null };
  }

  /**
   * Records the reason (and optionally the date of leaving and a note) on one of the client's
   * episodes. An existing reason written differently (case, spacing, punctuation, width) is reused;
   * a new label close to an existing one is not created until staff confirm it, so variants of one
   * reason do not split the statistics. A recorded reason means the client decided: a passive
   * episode becomes voluntary. The change is on the client's timeline.
   */
  async recordReason(orgId: string, clientId: string, episodeId: string, accountId: string, input: ReasonInput): Promise<ReasonOutcome> {
    const label = tidyReasonLabel(input.label);
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const episode = await db.query(
        `SELECT id FROM churn_episodes WHERE organization_id = $1 AND client_id = $2::bigint AND id = $3::bigint FOR UPDATE`,
        [orgId, clientId, episodeId],
      );
      if (!episode.rows[0]) throw new ConsoleError('NOT_FOUND', 'no such episode on this client');
      // Serialise reason creation per organization so two people typing the same new reason get one.
      await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('churn_reasons:' || $1, 0))`, [orgId]);
      const existing = (await db.query<ReasonCandidate>(`SELECT id::text, label FROM churn_reasons WHERE organization_id = $1`, [orgId])).rows;
      let reason = sameReason(label, existing);
      let created = false;
      if (!reason) {
        const similar = nearDuplicates(label, existing);
        if (similar.length && !input.confirmNew) {
          await db.query('ROLLBACK');
          return { saved: false, nearDuplicates: similar };
        }
        const inserted = await db.query<{ id: string }>(`INSERT INTO churn_reasons (organization_id, label) VALUES ($1, $2) RETURNING id::text`, [orgId, label]);
        reason = { id: inserted.rows[0].id, label };
        created = true;
      }
      await db.query(
        `UPDATE churn_episodes
            SET reason_id = $2::bigint, reason_note = $3, left_on = coalesce($4::date, left_on), reason_set_at = now(), reason_set_by = $5,
                churn_type = CASE WHEN churn_type = 'passive' OR churn_type IS NULL THEN 'voluntary' ELSE churn_type END, updated_at = now()
          WHERE id = $1::bigint`,
        [episodeId, reason.id, input.note, input.leftOn, accountId],
      );
      await db.query(
        `INSERT INTO client_activities (organization_id, client_id, kind, occurred_at, details)
         VALUES ($1, $2::bigint, 'reason.recorded', now(), $3)`,
        [orgId, clientId, JSON.stringify({ episodeId, reasonId: reason.id, reason: reason.label, note: input.note, leftOn: input.leftOn, byAccountId: accountId, newReason: created })],
      );
      await db.query('COMMIT');
      return { saved: true, reasonId: reason.id, created };
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }
}
