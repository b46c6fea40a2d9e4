import { loadReasonBook } from './reason-book';
import { inTransaction, isRowId, lockReasonList, type Queryable } from './reason-db';
import { activeReason, checkLabel, insertReason, type ReasonRef } from './reason-list';
import { ReasonListError } from './reason-list.error';
import { reasonsNamed } from './reason-matcher';
import { nearDuplicatesInBook, type ReasonSuggestion } from './reason-suggestions';
import { reasonKey } from './reason-text';

/** Longest note (the client's words as staff wrote them down), in code points. */
export const MAX_REASON_NOTE_LENGTH = 2000;

export interface EpisodeReasonInput {
  organizationId: string;
  clientId: string;
  episodeId: string;
  /** An existing reason (a merged one's id names its target). Give this or `label`, not both. */
  reasonId?: string | null;
  /** What staff typed: an existing reason's label or alias in any locale, or a new reason. */
  label?: string | null;
  /** Staff saw the near-duplicate warning and still want `label` as a new reason. */
  confirmNew?: boolean;
  note?: string | null;
  /** The date of leaving, `YYYY-MM-DD`; null keeps the episode's. */
  leftOn?: string | null;
  /** The staff account recording it. */
  setBy: string | null;
  /** The reader's locale, for the labels of near-duplicates (a new reason's label is its default label, in no locale). */
  locale?: string;
}

export type EpisodeReasonOutcome = { saved: true; reasonId: string; created: boolean } | { saved: false; nearDuplicates: ReasonSuggestion[] };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkDate(value: string): string {
  const m = DATE.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !d || d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) {
    throw new ReasonListError('INVALID_INPUT', `"${value}" is not a date (YYYY-MM-DD).`);
  }
  return value;
}

/**
 * Records staff's reason for leaving on a client's churn episode (client card, call list), in the
 * caller's transaction when given a client. `reasonId` (a merged reason's id names its target; a
 * retired one is refused unless the episode already has it) XOR `label` (an active reason's label in
 * any locale or alias is that reason; a close one answers `{ saved: false, nearDuplicates }` until
 * `confirmNew`; a new one is created with its words as label and alias). Locks the organization's
 * reason list, then the episode, so concurrent callers create one reason. Writes the reason, note,
 * date of leaving, who and when, `reason_channel` NULL, passive → voluntary; the timeline is the
 * caller's. Throws ReasonListError (NOT_FOUND: not this client's or organization's episode or
 * reason; INVALID_INPUT; INVALID_STATE: retired) and writes nothing then.
 */
export async function setEpisodeReason(db: Queryable, input: EpisodeReasonInput): Promise<EpisodeReasonOutcome> {
  const { organizationId: org, clientId, episodeId } = input;
  const hasId = input.reasonId !== undefined && input.reasonId !== null;
  const hasLabel = input.label !== undefined && input.label !== null;
  if (hasId === hasLabel) throw new ReasonListError('INVALID_INPUT', hasId ? 'Give a reason or a label, not both.' : 'Give a reason: pick one or type it.');
  const typed = hasLabel ? checkLabel(input.label!) : null;
  const locale = input.locale;
  const note = input.note ?? null;
  if (note !== null && Array.from(note).length > MAX_REASON_NOTE_LENGTH) throw new ReasonListError('INVALID_INPUT', `A note is at most ${MAX_REASON_NOTE_LENGTH} characters.`);
  const leftOn = input.leftOn ? checkDate(input.leftOn) : null;
  if (!isRowId(clientId) || !isRowId(episodeId)) throw new ReasonListError('NOT_FOUND', 'There is no such episode on this client.');

  return inTransaction(db, async (tx) => {
    // The list before the episode: a merge locks the list, then moves episodes.
    await lockReasonList(tx, org);
    const episode = (
      await tx.query<{ reason_id: string | null; reason_label: string | null; reason_retired: boolean; today: string }>(
        `SELECT e.reason_id::text, r.label AS reason_label, r.retired_at IS NOT NULL AS reason_retired, (now() AT TIME ZONE o.timezone)::date::text AS today
           FROM churn_episodes e
           JOIN organizations o ON o.id = e.organization_id
           LEFT JOIN churn_reasons r ON r.id = e.reason_id
          WHERE e.organization_id = $1 AND e.client_id = $2 AND e.id = $3
            FOR UPDATE OF e`,
        [org, clientId, episodeId],
      )
    ).rows[0];
    if (!episode) throw new ReasonListError('NOT_FOUND', 'There is no such episode on this client.');
    if (leftOn && leftOn > episode.today) throw new ReasonListError('INVALID_INPUT', 'The date of leaving cannot be in the future.');

    let reason: ReasonRef;
    let created = false;
    // Saving the episode again with the reason it has keeps it, even when retired since: retiring
    // stops a reason being chosen anew, it does not rewrite what was recorded.
    const current = episode.reason_id && episode.reason_label !== null ? { id: episode.reason_id, label: episode.reason_label } : null;
    if (hasId) {
      reason = current && current.id === input.reasonId ? current : await activeReason(tx, org, input.reasonId!);
    } else {
      const { label, key } = typed!;
      const book = await loadReasonBook(tx, org);
      const named = reasonsNamed(label, book)[0];
      if (named) {
        reason = { id: named, label: book.reasons.find((r) => r.id === named)!.label };
      } else if (current && episode.reason_retired && (await namesReason(tx, org, current, key))) {
        reason = current;
      } else {
        const retired = (
          await tx.query<{ id: string; label: string }>(
            `SELECT r.id::text, r.label FROM reason_aliases a JOIN churn_reasons r ON r.id = a.reason_id
              WHERE a.organization_id = $1 AND a.normalized = $2 AND r.retired_at IS NOT NULL`,
            [org, key],
          )
        ).rows[0];
        if (retired) throw new ReasonListError('INVALID_STATE', `"${label}" is the retired reason "${retired.label}": choose another, or restore it on the reason list.`, retired.id);
        const nearDuplicates = nearDuplicatesInBook(label, book, { locale });
        if (nearDuplicates.length && !input.confirmNew) return { saved: false, nearDuplicates };
        reason = await insertReason(tx, org, label, key);
        created = true;
      }
    }

    await tx.query(
      `UPDATE churn_episodes
          SET reason_id = $3, reason_note = $4, left_on = coalesce($5::date, left_on), reason_set_at = now(), reason_set_by = $6, reason_channel = NULL,
              churn_type = CASE WHEN churn_type = 'passive' OR churn_type IS NULL THEN 'voluntary' ELSE churn_type END, updated_at = now()
        WHERE organization_id = $1 AND id = $2`,
      [org, episodeId, reason.id, note, leftOn, input.setBy],
    );
    return { saved: true, reasonId: reason.id, created };
  });
}

/** Whether `key` (a normalised text) is the reason's label or one of its aliases. */
async function namesReason(tx: Queryable, organizationId: string, reason: ReasonRef, key: string): Promise<boolean> {
  if (reasonKey(reason.label) === key) return true;
  const { rowCount } = await tx.query(`SELECT 1 FROM reason_aliases WHERE organization_id = $1 AND reason_id = $2 AND normalized = $3`, [organizationId, reason.id, key]);
  return (rowCount ?? 0) > 0;
}
