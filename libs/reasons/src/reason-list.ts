import { EventName } from '@comeback/contracts';
import { appendEvents } from '@comeback/events';
import { inTransaction, isRowId, lockReasonList, type Queryable } from './reason-db';
import { ReasonListError } from './reason-list.error';
import { loadReasonBook } from './reason-book';
import { reasonsNamed, type ReasonBook } from './reason-matcher';
import { nearDuplicatesInBook, type ReasonSuggestion } from './reason-suggestions';
import { reasonKey, tidyReasonLabel } from './reason-text';

/**
 * An organization's reason list in PostgreSQL: churn_reasons (default label, usage count, retired,
 * merged into), reason_labels (a label per locale), reason_aliases (normalised texts that name a
 * reason: its labels', staff's, and those learned from candidates). Every function is scoped by
 * the organization id: another organization's reasons are never read, matched or changed.
 */

/** Longest label, in code points. */
export const MAX_LABEL_LENGTH = 200;

const LOCALE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;

export interface ReasonRef {
  id: string;
  label: string;
}

export interface CreatedReason {
  reason: ReasonRef;
  /** Existing reasons close to the new one (the caller warns: merge them if they are the same). */
  nearDuplicates: ReasonSuggestion[];
}

export interface ReasonListItem {
  id: string;
  label: string;
  labels: Record<string, string>;
  aliases: { text: string; source: string }[];
  usageCount: number;
  retiredAt: Date | null;
  mergedIntoId: string | null;
}

export interface MergeResult {
  fromId: string;
  intoId: string;
  /** Rows that now point at `into`. */
  moved: { episodes: number; replies: number; feedbackResponses: number; callTasks: number; callOutcomes: number; candidates: number; aliases: number; labels: number };
}

/** A label as stored, and its key; refused when empty or too long. */
export function checkLabel(label: string): { label: string; key: string } {
  const tidy = tidyReasonLabel(label);
  const key = reasonKey(tidy);
  if (!key) throw new ReasonListError('INVALID_INPUT', 'A reason needs a label with at least one letter or digit.');
  if (Array.from(tidy).length > MAX_LABEL_LENGTH) throw new ReasonListError('INVALID_INPUT', `A reason's label is at most ${MAX_LABEL_LENGTH} characters.`);
  return { label: tidy, key };
}

export function checkLocale(locale: string): string {
  if (!LOCALE.test(locale)) throw new ReasonListError('INVALID_INPUT', `"${locale}" is not a locale (e.g. en, ka, pt-BR).`);
  return locale;
}

/** Refuses a text that already names an active reason other than `except`. */
function refuseDuplicate(book: ReasonBook, text: string, except?: string): void {
  const owner = reasonsNamed(text, book).find((id) => id !== except);
  if (owner) {
    const label = book.reasons.find((r) => r.id === owner)?.label ?? owner;
    throw new ReasonListError('DUPLICATE', `"${tidyReasonLabel(text)}" already names the reason "${label}".`, owner);
  }
}

/** The active reason `reasonId` names (following merges), or an error saying why there is none. */
export async function activeReason(tx: Queryable, organizationId: string, reasonId: string): Promise<ReasonRef> {
  if (!isRowId(reasonId)) throw new ReasonListError('NOT_FOUND', `There is no reason ${reasonId} in this organization.`);
  const { rows } = await tx.query<{ id: string; label: string; retired_at: Date | null }>(
    `WITH RECURSIVE chain AS (
       SELECT id, merged_into_id, retired_at, label, 0 AS depth FROM churn_reasons WHERE organization_id = $1 AND id = $2
       UNION ALL
       SELECT r.id, r.merged_into_id, r.retired_at, r.label, c.depth + 1
         FROM chain c JOIN churn_reasons r ON r.id = c.merged_into_id AND r.organization_id = $1
        WHERE c.depth < 32
     )
     SELECT id::text, label, retired_at FROM chain WHERE merged_into_id IS NULL`,
    [organizationId, reasonId],
  );
  if (!rows.length) throw new ReasonListError('NOT_FOUND', `There is no reason ${reasonId} in this organization.`);
  if (rows[0].retired_at) throw new ReasonListError('INVALID_STATE', `The reason "${rows[0].label}" is retired: restore it first.`, rows[0].id);
  return { id: rows[0].id, label: rows[0].label };
}

/** Inserts a reason with its label (and that label in `locale`) and the label's alias; the caller holds the list lock and checked for duplicates. */
export async function insertReason(tx: Queryable, organizationId: string, label: string, key: string, locale?: string): Promise<ReasonRef> {
  // Case does not make another reason: "too expensive" after a retired "Too expensive" is that one.
  const retired = await tx.query<{ id: string }>(`SELECT id::text FROM churn_reasons WHERE organization_id = $1 AND lower(label) = lower($2)`, [organizationId, label]);
  if (retired.rows.length) {
    throw new ReasonListError('DUPLICATE', `A retired or merged reason is called "${label}": restore it, or choose another label.`, retired.rows[0].id);
  }
  const { rows } = await tx.query<{ id: string }>(`INSERT INTO churn_reasons (organization_id, label) VALUES ($1, $2) RETURNING id::text`, [organizationId, label]);
  const id = rows[0].id;
  if (locale) await tx.query(`INSERT INTO reason_labels (reason_id, locale, label) VALUES ($1, $2, $3)`, [id, locale, label]);
  // The key may be an alias of a retired reason: it names the new one now.
  await tx.query(
    `INSERT INTO reason_aliases (organization_id, normalized, reason_id, source) VALUES ($1, $2, $3, 'label')
     ON CONFLICT (organization_id, normalized) DO UPDATE SET reason_id = EXCLUDED.reason_id, source = 'label', created_at = now()`,
    [organizationId, key, id],
  );
  return { id, label };
}

/**
 * A new reason. Refused (DUPLICATE, with the existing reason's id) when the label, normalised, is
 * already a label or alias of an active reason; otherwise created, with the existing reasons close
 * to it so the caller can warn ("Too pricey" next to "Too expensive").
 */
export async function createReason(db: Queryable, input: { organizationId: string; label: string; locale?: string }): Promise<CreatedReason> {
  const { label, key } = checkLabel(input.label);
  const locale = input.locale === undefined ? undefined : checkLocale(input.locale);
  return inTransaction(db, async (tx) => {
    await lockReasonList(tx, input.organizationId);
    const book = await loadReasonBook(tx, input.organizationId);
    refuseDuplicate(book, label);
    const reason = await insertReason(tx, input.organizationId, label, key, locale);
    return { reason, nearDuplicates: nearDuplicatesInBook(label, book) };
  });
}

/** Sets the reason's label in a locale (replacing that locale's label; the old one stays an alias) and learns it as an alias. */
export async function addReasonLabel(db: Queryable, input: { organizationId: string; reasonId: string; locale: string; label: string }): Promise<void> {
  const { label, key } = checkLabel(input.label);
  const locale = checkLocale(input.locale);
  await inTransaction(db, async (tx) => {
    await lockReasonList(tx, input.organizationId);
    const reason = await activeReason(tx, input.organizationId, input.reasonId);
    if (reason.id !== input.reasonId) throw new ReasonListError('INVALID_STATE', `That reason was merged into "${reason.label}".`, reason.id);
    refuseDuplicate(await loadReasonBook(tx, input.organizationId), label, reason.id);
    await tx.query(
      `INSERT INTO reason_labels (reason_id, locale, label) VALUES ($1, $2, $3) ON CONFLICT (reason_id, locale) DO UPDATE SET label = EXCLUDED.label`,
      [reason.id, locale, label],
    );
    await tx.query(
      `INSERT INTO reason_aliases (organization_id, normalized, reason_id, source) VALUES ($1, $2, $3, 'label')
       ON CONFLICT (organization_id, normalized) DO UPDATE SET reason_id = EXCLUDED.reason_id, source = 'label', created_at = now()`,
      [input.organizationId, key, reason.id],
    );
  });
}

/** Teaches the matcher another text for a reason ("pricey" -> Too expensive); refused if it names another reason. */
export async function addReasonAlias(db: Queryable, input: { organizationId: string; reasonId: string; text: string }): Promise<void> {
  const { key } = checkLabel(input.text);
  await inTransaction(db, async (tx) => {
    await lockReasonList(tx, input.organizationId);
    const reason = await activeReason(tx, input.organizationId, input.reasonId);
    refuseDuplicate(await loadReasonBook(tx, input.organizationId), input.text, reason.id);
    await tx.query(
      `INSERT INTO reason_aliases (organization_id, normalized, reason_id, source) VALUES ($1, $2, $3, 'staff')
       ON CONFLICT (organization_id, normalized) DO UPDATE SET reason_id = EXCLUDED.reason_id, source = 'staff', created_at = now()`,
      [input.organizationId, key, reason.id],
    );
  });
}

/** Retires a reason: no longer matched or suggested; its history stays. Retiring twice keeps the first date. */
export async function retireReason(db: Queryable, input: { organizationId: string; reasonId: string }): Promise<void> {
  if (!isRowId(input.reasonId)) throw new ReasonListError('NOT_FOUND', `There is no reason ${input.reasonId} in this organization.`);
  const { rowCount } = await db.query(`UPDATE churn_reasons SET retired_at = coalesce(retired_at, now()) WHERE organization_id = $1 AND id = $2`, [
    input.organizationId,
    input.reasonId,
  ]);
  if (!rowCount) throw new ReasonListError('NOT_FOUND', `There is no reason ${input.reasonId} in this organization.`);
}

/** Brings a retired reason back (not a merged one: its history is its target's now). */
export async function restoreReason(db: Queryable, input: { organizationId: string; reasonId: string }): Promise<void> {
  if (!isRowId(input.reasonId)) throw new ReasonListError('NOT_FOUND', `There is no reason ${input.reasonId} in this organization.`);
  await inTransaction(db, async (tx) => {
    await lockReasonList(tx, input.organizationId);
    const { rows } = await tx.query<{ merged_into_id: string | null }>(`SELECT merged_into_id::text FROM churn_reasons WHERE organization_id = $1 AND id = $2 FOR UPDATE`, [
      input.organizationId,
      input.reasonId,
    ]);
    if (!rows.length) throw new ReasonListError('NOT_FOUND', `There is no reason ${input.reasonId} in this organization.`);
    if (rows[0].merged_into_id) throw new ReasonListError('INVALID_STATE', 'A merged reason cannot be restored.', rows[0].merged_into_id);
    await tx.query(`UPDATE churn_reasons SET retired_at = NULL WHERE id = $1`, [input.reasonId]);
  });
}

/**
 * Merges reason `from` into `into`, in one transaction: the history follows (churn episodes,
 * replies, feedback answers, call tasks, calls and candidates that named `from` name `into`; reasons
 * merged into `from` earlier now point at `into`), `from`'s aliases move over and its labels
 * become aliases of `into` (a label in a locale `into` has none of becomes `into`'s label there),
 * usage counts add up, and `from` is retired as merged into `into`. A `reason.merged` event goes
 * to the outbox in the same transaction.
 */
export async function mergeReasons(db: Queryable, input: { organizationId: string; fromId: string; intoId: string }): Promise<MergeResult> {
  const { organizationId: org, fromId, intoId } = input;
  for (const id of [fromId, intoId]) if (!isRowId(id)) throw new ReasonListError('NOT_FOUND', `There is no reason ${id} in this organization.`);
  if (fromId === intoId) throw new ReasonListError('INVALID_STATE', 'A reason cannot be merged into itself.', fromId);
  return inTransaction(db, async (tx) => {
    await lockReasonList(tx, org);
    const { rows } = await tx.query<{ id: string; label: string; usage_count: number; retired_at: Date | null; merged_into_id: string | null }>(
      `SELECT id::text, label, usage_count, retired_at, merged_into_id::text FROM churn_reasons WHERE organization_id = $1 AND id = ANY($2::bigint[]) ORDER BY id FOR UPDATE`,
      [org, [fromId, intoId]],
    );
    const from = rows.find((r) => r.id === fromId);
    const into = rows.find((r) => r.id === intoId);
    if (!from || !into) throw new ReasonListError('NOT_FOUND', `There is no reason ${from ? intoId : fromId} in this organization.`);
    if (from.merged_into_id) throw new ReasonListError('INVALID_STATE', `"${from.label}" was already merged.`, from.merged_into_id);
    if (into.merged_into_id || into.retired_at) throw new ReasonListError('INVALID_STATE', `"${into.label}" is retired or merged: merge into an active reason.`, intoId);

    const count = async (sql: string, params: unknown[] = [org, fromId, intoId]) => (await tx.query(sql, params)).rowCount ?? 0;
    const episodes = await count(`UPDATE churn_episodes SET reason_id = $3, updated_at = now() WHERE organization_id = $1 AND reason_id = $2`);
    const replies = await count(`UPDATE replies SET reason_id = $3 WHERE organization_id = $1 AND reason_id = $2`);
    // updated_at of a feedback answer is when the client last submitted it: a merge is not that.
    const feedbackResponses = await count(`UPDATE feedback_responses SET reason_id = $3 WHERE organization_id = $1 AND reason_id = $2`);
    const callTasks = await count(`UPDATE call_tasks SET reason_id = $3, updated_at = now() WHERE organization_id = $1 AND reason_id = $2`);
    const callOutcomes = await count(`UPDATE call_outcomes SET reason_id = $3 WHERE organization_id = $1 AND reason_id = $2`);
    const candidates = await count(
      `UPDATE reason_candidates
          SET reason_id = CASE WHEN reason_id = $2 THEN $3 ELSE reason_id END,
              best_reason_id = CASE WHEN best_reason_id = $2 THEN $3 ELSE best_reason_id END
        WHERE organization_id = $1 AND (reason_id = $2 OR best_reason_id = $2)`,
    );
    await tx.query(`UPDATE churn_reasons SET merged_into_id = $3 WHERE organization_id = $1 AND merged_into_id = $2`, [org, fromId, intoId]);

    // from's labels, read before they move, become aliases of into (as normalised in JavaScript, like every key).
    const fromLabels = await tx.query<{ label: string }>(`SELECT label FROM reason_labels WHERE reason_id = $1`, [fromId]);
    const keys = [...new Set([from.label, ...fromLabels.rows.map((l) => l.label)].map(reasonKey).filter(Boolean))];
    const aliases = await count(`UPDATE reason_aliases SET reason_id = $3 WHERE organization_id = $1 AND reason_id = $2`);
    await tx.query(
      `INSERT INTO reason_aliases (organization_id, normalized, reason_id, source)
       SELECT $1, k, $2, 'staff' FROM unnest($3::text[]) AS k
       ON CONFLICT (organization_id, normalized) DO NOTHING`,
      [org, intoId, keys],
    );
    const labels = await count(
      `UPDATE reason_labels f SET reason_id = $2
        WHERE f.reason_id = $1 AND NOT EXISTS (SELECT 1 FROM reason_labels i WHERE i.reason_id = $2 AND i.locale = f.locale)`,
      [fromId, intoId],
    );
    await tx.query(`UPDATE churn_reasons SET usage_count = usage_count + $2 WHERE id = $1`, [intoId, from.usage_count]);
    await tx.query(`UPDATE churn_reasons SET usage_count = 0, merged_into_id = $2, retired_at = coalesce(retired_at, now()) WHERE id = $1`, [fromId, intoId]);
    const moved = { episodes, replies, feedbackResponses, callTasks, callOutcomes, candidates, aliases, labels };
    // Durable, with the merge: the event exists exactly when the merge commits.
    await appendEvents(tx, org, [{ name: EventName.ReasonMerged, payload: { organizationId: org, fromReasonId: fromId, intoReasonId: intoId, moved } }]);
    return { fromId, intoId, moved };
  });
}

/**
 * How often each reason of the organization was given: its churn_reasons.usage_count (what the list
 * itself counts: texts recorded with recordReasonText, candidates resolved to it with their
 * occurrences, the counts of reasons merged into it) plus the replies the reply intake matched to
 * it (matched_by set: a digit, a key, the feedback form, exact or similar words), counted when read.
 * The intake does not touch the reason's row, so replies of many clients at once do not queue on
 * it. A feedback reply is kept current by later answers, so a changed pick moves its count; a
 * merge moves the replies, and so their count; a reply that got its reason from a resolved
 * candidate has no matched_by (its candidate's occurrences counted it).
 */
const USAGE = `
  WITH answered AS (
    SELECT reason_id, count(*)::int AS n FROM replies
     WHERE organization_id = $1 AND reason_id IS NOT NULL AND matched_by IS NOT NULL
     GROUP BY reason_id
  )`;

/** The organization's reasons, most used first (usage as USAGE counts it), with labels per locale and aliases; retired and merged ones only when asked. */
export async function listReasons(db: Queryable, organizationId: string, opts: { includeRetired?: boolean } = {}): Promise<ReasonListItem[]> {
  const { rows } = await db.query<{
    id: string;
    label: string;
    labels: Record<string, string>;
    aliases: { text: string; source: string }[];
    usage_count: number;
    retired_at: Date | null;
    merged_into_id: string | null;
  }>(
    `${USAGE}
     SELECT r.id::text, r.label, r.usage_count + coalesce(u.n, 0) AS usage_count, r.retired_at, r.merged_into_id::text,
            coalesce((SELECT jsonb_object_agg(l.locale, l.label) FROM reason_labels l WHERE l.reason_id = r.id), '{}'::jsonb) AS labels,
            coalesce((SELECT jsonb_agg(jsonb_build_object('text', a.normalized, 'source', a.source) ORDER BY a.created_at, a.normalized)
                        FROM reason_aliases a WHERE a.organization_id = r.organization_id AND a.reason_id = r.id), '[]'::jsonb) AS aliases
       FROM churn_reasons r
       LEFT JOIN answered u ON u.reason_id = r.id
      WHERE r.organization_id = $1 AND ($2 OR r.retired_at IS NULL)
      ORDER BY r.retired_at IS NOT NULL, r.usage_count + coalesce(u.n, 0) DESC, r.label`,
    [organizationId, opts.includeRetired ?? false],
  );
  return rows.map((r) => ({
    id: r.id,
    label: r.label,
    labels: r.labels,
    aliases: r.aliases,
    usageCount: r.usage_count,
    retiredAt: r.retired_at,
    mergedIntoId: r.merged_into_id,
  }));
}
