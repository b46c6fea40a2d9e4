import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { EventConsumer, type EventEnvelope, type EventName } from '@comeback/contracts';
import { handleEventOnce } from '@comeback/events';
import { PG_POOL } from '@comeback/platform';

/**
 * Writes the client card's timeline from churn events. The episode row (not the event) supplies
 * the numbers, read inside the same transaction as the receipt, so a redelivered event writes
 * nothing and an event about an episode of another organization matches no row.
 */
@Injectable()
export class ClientActivityService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Returns false when the event had already been recorded. */
  async record(event: EventEnvelope<EventName.ClientAtRisk | EventName.ClientChurned | EventName.ClientReturned>): Promise<boolean> {
    return handleEventOnce(this.pool, EventConsumer.ClientActivity, event.id, async (tx) => {
      await tx.query(
        `INSERT INTO client_activities (organization_id, client_id, kind, occurred_at, event_id, details)
         SELECT e.organization_id, e.client_id, $4, $5, $6,
                jsonb_strip_nulls(jsonb_build_object('episodeId', e.id::text, 'method', e.method, 'score', e.score, 'pAlive', e.p_alive,
                  'usualGapDays', e.usual_gap_days, 'lastVisitAt', e.last_visit_at, 'churnType', e.churn_type,
                  'returnedAt', CASE WHEN $4 = 'client.returned' THEN e.returned_at END))
           FROM churn_episodes e
          WHERE e.id = $3 AND e.organization_id = $1 AND e.client_id = $2
         ON CONFLICT DO NOTHING`,
        [event.payload.organizationId, event.payload.clientId, event.payload.episodeId, event.name, event.occurredAt, event.id],
      );
    });
  }

  /** A reason from the client's reply: the timeline shows the reason (or the words, while it is a candidate) and the channel. */
  async recordReason(event: EventEnvelope<EventName.ReasonRecorded>): Promise<boolean> {
    return handleEventOnce(this.pool, EventConsumer.ClientActivity, event.id, async (tx) => {
      await tx.query(
        `INSERT INTO client_activities (organization_id, client_id, kind, occurred_at, event_id, details)
         SELECT r.organization_id, r.client_id, $4, $5, $6,
                jsonb_strip_nulls(jsonb_build_object('episodeId', r.episode_id::text, 'channel', r.channel, 'reason', coalesce(cr.label, r.text), 'text', r.text, 'matchedBy', r.matched_by))
           FROM replies r LEFT JOIN churn_reasons cr ON cr.id = r.reason_id
          WHERE r.id = $3 AND r.organization_id = $1 AND r.client_id = $2
         ON CONFLICT DO NOTHING`,
        [event.payload.organizationId, event.payload.clientId, event.payload.replyId, event.name, event.occurredAt, event.id],
      );
    });
  }

  /**
   * A merge of two reasons: the timeline entries of reasons staff recorded (they keep the reason's
   * id and label) that name the merged reason name the reason it is now, read at handling time and
   * followed through later merges, so events handled out of order end the same; the label they
   * were recorded under stays as `recordedAs`. Only the event's organization's entries change.
   */
  async recordMerge(event: EventEnvelope<EventName.ReasonMerged>): Promise<boolean> {
    return handleEventOnce(this.pool, EventConsumer.ClientActivity, event.id, async (tx) => {
      await tx.query(
        `WITH RECURSIVE chain AS (
           SELECT id, merged_into_id, label, 0 AS depth FROM churn_reasons WHERE organization_id = $1 AND id = $3
           UNION ALL
           SELECT r.id, r.merged_into_id, r.label, c.depth + 1 FROM chain c JOIN churn_reasons r ON r.id = c.merged_into_id AND r.organization_id = $1
            WHERE c.depth < 32
         ), target AS (SELECT id, label FROM chain WHERE merged_into_id IS NULL)
         UPDATE client_activities a
            SET details = a.details || jsonb_build_object('reasonId', t.id::text, 'reason', t.label, 'recordedAs', coalesce(a.details->'recordedAs', a.details->'reason'))
           FROM target t
          WHERE a.organization_id = $1 AND (a.kind = 'reason.recorded' OR a.kind LIKE 'call.%') AND a.details->>'reasonId' = $2`,
        [event.payload.organizationId, event.payload.fromReasonId, event.payload.intoReasonId],
      );
    });
  }
}
