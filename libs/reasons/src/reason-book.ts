import type { Queryable } from './reason-db';
import type { BookReason, ReasonBook } from './reason-matcher';

/**
 * The organization's reason book for the matcher: each active reason (not retired, not merged)
 * with its labels in every locale and its aliases; the texts of reasons merged into it, however
 * long the chain of merges, count as its aliases.
 */
export async function loadReasonBook(db: Queryable, organizationId: string): Promise<ReasonBook> {
  const [reasons, texts] = await Promise.all([
    db.query<{ id: string; label: string; labels: Record<string, string> }>(
      `SELECT r.id::text, r.label,
              coalesce((SELECT jsonb_object_agg(l.locale, l.label) FROM reason_labels l WHERE l.reason_id = r.id), '{}'::jsonb) AS labels
         FROM churn_reasons r
        WHERE r.organization_id = $1 AND r.retired_at IS NULL AND r.merged_into_id IS NULL
        ORDER BY r.id`,
      [organizationId],
    ),
    // Every alias, and every label of a merged reason, with the active reason it now names: merges
    // are followed to the end of their chain (a reason merged into one that was merged in turn).
    db.query<{ reason_id: string; text: string }>(
      `WITH RECURSIVE chain AS (
         SELECT id AS origin, id, merged_into_id, 0 AS depth FROM churn_reasons WHERE organization_id = $1
         UNION ALL
         SELECT c.origin, r.id, r.merged_into_id, c.depth + 1
           FROM chain c JOIN churn_reasons r ON r.id = c.merged_into_id AND r.organization_id = $1
          WHERE c.depth < 32
       ), target AS (
         SELECT c.origin, c.id AS target_id FROM chain c JOIN churn_reasons r ON r.id = c.id
          WHERE c.merged_into_id IS NULL AND r.retired_at IS NULL
       )
       SELECT t.target_id::text AS reason_id, a.normalized AS text
         FROM reason_aliases a JOIN target t ON t.origin = a.reason_id
        WHERE a.organization_id = $1
       UNION ALL
       SELECT t.target_id::text, r.label FROM target t JOIN churn_reasons r ON r.id = t.origin WHERE t.origin <> t.target_id
       UNION ALL
       SELECT t.target_id::text, l.label FROM target t JOIN reason_labels l ON l.reason_id = t.origin WHERE t.origin <> t.target_id`,
      [organizationId],
    ),
  ]);
  const byId = new Map<string, BookReason & { aliases: string[] }>(reasons.rows.map((r) => [r.id, { id: r.id, label: r.label, labels: r.labels, aliases: [] }]));
  for (const t of texts.rows) byId.get(t.reason_id)?.aliases.push(t.text);
  return { organizationId, reasons: [...byId.values()] };
}
