import { loadReasonBook } from './reason-book';
import { inTransaction, isRowId, lockReasonList, type Queryable } from './reason-db';
import { activeReason, checkLabel, checkLocale, insertReason, type ReasonRef } from './reason-list';
import { ReasonListError } from './reason-list.error';
import { matchReason, reasonsNamed, type MatchedBy, type ReasonBook } from './reason-matcher';
import { labelFromText, tidyReasonLabel } from './reason-text';

/**
 * Free text the matcher could not place: reason_candidates, one row per organization and
 * normalised text, counting how often it came. Staff accept one as a new reason, map it to an
 * existing reason (the matcher learns its text as an alias, so it matches exactly next time), or
 * dismiss it. Either way the replies that carried it, and their churn episodes still without a
 * reason, get the reason: the history follows the decision.
 */

/** Longest sample text kept on a candidate, in code points. */
const MAX_SAMPLE_LENGTH = 1000;

export interface RecordedReason {
  /** The matched reason, when the text matched one (then usage_count went up by one, unless countUsage was false). */
  reasonId: string | null;
  /** The candidate the text was filed under, when it matched none. */
  candidateId: string | null;
  /** The match's score, or the closest reason's for a candidate. */
  score: number | null;
  matchedBy: MatchedBy | null;
  /** The closest reason (the matched one when matched). */
  bestReasonId: string | null;
}

export interface CandidateListItem {
  id: string;
  sampleText: string;
  normalized: string;
  occurrences: number;
  status: string;
  bestReason: ReasonRef | null;
  bestScore: number | null;
  createdAt: Date;
}

/**
 * Records a client's free-text reason: matched to a reason of the organization's book, whose usage
 * count goes up; else filed as a candidate (the same normalised text again adds an occurrence),
 * with the closest reason and its score for staff. A text too short to judge records nothing.
 * Pass `book` (loadReasonBook) to record many texts against one read of the list.
 *
 * `countUsage: false` leaves churn_reasons.usage_count alone: for the reply intake, whose reply
 * (matched_by set) is counted for its reason when usage is read (listReasons), so that many
 * clients' replies at once do not queue on the reason's row.
 */
export async function recordReasonText(
  db: Queryable,
  input: { organizationId: string; text: string; book?: ReasonBook; countUsage?: boolean },
): Promise<RecordedReason> {
  const countUsage = input.countUsage ?? true;
  const book = input.book ?? (await loadReasonBook(db, input.organizationId));
  const match = matchReason(input.text, book);
  if (match.outcome === 'none') return { reasonId: null, candidateId: null, score: null, matchedBy: null, bestReasonId: null };
  if (match.outcome === 'matched') {
    const matched = { reasonId: match.reasonId, candidateId: null, score: match.score, matchedBy: match.matchedBy, bestReasonId: match.reasonId };
    // Without counting, the caller's reply names the reason (its foreign key refuses one deleted since the book was read).
    if (!countUsage) return matched;
    const { rowCount } = await db.query(`UPDATE churn_reasons SET usage_count = usage_count + 1 WHERE organization_id = $1 AND id = $2`, [input.organizationId, match.reasonId]);
    if (rowCount) return matched;
    // The reason is gone (a book read before it was deleted): file the text for staff instead.
  }
  const sample = Array.from(tidyReasonLabel(input.text)).slice(0, MAX_SAMPLE_LENGTH).join('');
  // The same text again adds an occurrence. A dismissed candidate stays dismissed. One accepted or
  // mapped whose reason is retired since is open again; one whose reason is active is left alone
  // (the book was read before staff resolved it): the text names that reason, below.
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO reason_candidates (organization_id, normalized, sample_text, best_reason_id, best_score)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (organization_id, normalized) DO UPDATE
        SET occurrences = reason_candidates.occurrences + 1,
            best_reason_id = EXCLUDED.best_reason_id,
            best_score = EXCLUDED.best_score,
            status = CASE WHEN reason_candidates.status = 'dismissed' THEN 'dismissed' ELSE 'open' END,
            reason_id = CASE WHEN reason_candidates.status = 'dismissed' THEN reason_candidates.reason_id END,
            resolved_at = CASE WHEN reason_candidates.status = 'dismissed' THEN reason_candidates.resolved_at END
      WHERE reason_candidates.status IN ('open', 'dismissed')
         OR NOT EXISTS (SELECT 1 FROM churn_reasons r WHERE r.id = reason_candidates.reason_id AND r.retired_at IS NULL)
     RETURNING id::text`,
    [input.organizationId, match.normalized, sample, match.bestReasonId, match.score],
  );
  if (rows.length) return { reasonId: null, candidateId: rows[0].id, score: match.score, matchedBy: null, bestReasonId: match.bestReasonId };
  const resolved = await db.query<{ id: string }>(
    countUsage
      ? `UPDATE churn_reasons r SET usage_count = usage_count + 1 FROM reason_candidates c
          WHERE c.organization_id = $1 AND c.normalized = $2 AND r.id = c.reason_id RETURNING r.id::text`
      : `SELECT r.id::text FROM reason_candidates c JOIN churn_reasons r ON r.id = c.reason_id WHERE c.organization_id = $1 AND c.normalized = $2`,
    [input.organizationId, match.normalized],
  );
  const reasonId = resolved.rows[0]?.id ?? null; // null only if the candidate changed in between: nothing recorded
  return { reasonId, candidateId: null, score: reasonId ? 1 : null, matchedBy: reasonId ? 'alias' : null, bestReasonId: reasonId };
}

interface CandidateRow {
  id: string;
  normalized: string;
  sample_text: string;
  occurrences: number;
  status: string;
}

async function lockCandidate(tx: Queryable, organizationId: string, candidateId: string): Promise<CandidateRow> {
  if (!isRowId(candidateId)) throw new ReasonListError('NOT_FOUND', `There is no candidate ${candidateId} in this organization.`);
  const { rows } = await tx.query<CandidateRow>(
    `SELECT id::text, normalized, sample_text, occurrences, status FROM reason_candidates WHERE organization_id = $1 AND id = $2 FOR UPDATE`,
    [organizationId, candidateId],
  );
  if (!rows.length) throw new ReasonListError('NOT_FOUND', `There is no candidate ${candidateId} in this organization.`);
  if (rows[0].status === 'accepted' || rows[0].status === 'mapped') throw new ReasonListError('INVALID_STATE', `"${rows[0].sample_text}" was already ${rows[0].status}.`);
  return rows[0];
}

/**
 * The candidate resolved to `reasonId`: its status, the replies that carried it and their episodes
 * still without a reason, and the reason's usage count (plus the candidate's occurrences).
 */
async function resolveCandidate(tx: Queryable, organizationId: string, candidate: CandidateRow, reasonId: string, status: 'accepted' | 'mapped'): Promise<void> {
  await tx.query(`UPDATE reason_candidates SET status = $3, reason_id = $4, resolved_at = now() WHERE organization_id = $1 AND id = $2`, [
    organizationId,
    candidate.id,
    status,
    reasonId,
  ]);
  await tx.query(
    `WITH named AS (
       UPDATE replies SET reason_id = $3 WHERE organization_id = $1 AND candidate_id = $2 AND reason_id IS NULL RETURNING episode_id
     )
     UPDATE churn_episodes e SET reason_id = $3, updated_at = now()
       FROM (SELECT DISTINCT episode_id FROM named WHERE episode_id IS NOT NULL) n
      WHERE e.organization_id = $1 AND e.id = n.episode_id AND e.reason_id IS NULL`,
    [organizationId, candidate.id, reasonId],
  );
  await tx.query(`UPDATE churn_reasons SET usage_count = usage_count + $3 WHERE organization_id = $1 AND id = $2`, [organizationId, reasonId, candidate.occurrences]);
}

/**
 * Accepts a candidate as a new reason, labelled with its text (labelFromText; or `label`, staff's wording) and
 * learning the candidate's text as an alias. Refused (DUPLICATE) when that label already names a
 * reason: map the candidate to it instead.
 */
export async function acceptCandidate(
  db: Queryable,
  input: { organizationId: string; candidateId: string; label?: string; locale?: string },
): Promise<ReasonRef> {
  return inTransaction(db, async (tx) => {
    await lockReasonList(tx, input.organizationId);
    const candidate = await lockCandidate(tx, input.organizationId, input.candidateId);
    const { label, key } = checkLabel(input.label ?? labelFromText(candidate.sample_text));
    const locale = input.locale === undefined ? undefined : checkLocale(input.locale);
    const book = await loadReasonBook(tx, input.organizationId);
    for (const text of [label, candidate.normalized]) {
      const owner = reasonsNamed(text, book)[0];
      if (owner) throw new ReasonListError('DUPLICATE', `"${tidyReasonLabel(text)}" already names a reason: map the candidate to it.`, owner);
    }
    const reason = await insertReason(tx, input.organizationId, label, key, locale);
    if (candidate.normalized !== key) {
      await tx.query(
        `INSERT INTO reason_aliases (organization_id, normalized, reason_id, source) VALUES ($1, $2, $3, 'learned')
         ON CONFLICT (organization_id, normalized) DO UPDATE SET reason_id = EXCLUDED.reason_id, source = 'learned', created_at = now()`,
        [input.organizationId, candidate.normalized, reason.id],
      );
    }
    await resolveCandidate(tx, input.organizationId, candidate, reason.id, 'accepted');
    return reason;
  });
}

/**
 * Maps a candidate to an existing reason (a merged one's target): its normalised text becomes an
 * alias of that reason ('learned'), so the same text next time matches exactly.
 */
export async function mapCandidate(db: Queryable, input: { organizationId: string; candidateId: string; reasonId: string }): Promise<ReasonRef> {
  return inTransaction(db, async (tx) => {
    await lockReasonList(tx, input.organizationId);
    const candidate = await lockCandidate(tx, input.organizationId, input.candidateId);
    const reason = await activeReason(tx, input.organizationId, input.reasonId);
    // Staff's decision wins over an alias the text had (one text, one reason).
    await tx.query(
      `INSERT INTO reason_aliases (organization_id, normalized, reason_id, source) VALUES ($1, $2, $3, 'learned')
       ON CONFLICT (organization_id, normalized) DO UPDATE SET reason_id = EXCLUDED.reason_id, source = 'learned', created_at = now()`,
      [input.organizationId, candidate.normalized, reason.id],
    );
    await resolveCandidate(tx, input.organizationId, candidate, reason.id, 'mapped');
    return reason;
  });
}

/** Dismisses a candidate (not a reason: "who is this?"); it stays dismissed when the text comes again. */
export async function dismissCandidate(db: Queryable, input: { organizationId: string; candidateId: string }): Promise<void> {
  if (!isRowId(input.candidateId)) throw new ReasonListError('NOT_FOUND', `There is no candidate ${input.candidateId} in this organization.`);
  const { rows } = await db.query<{ status: string }>(
    `WITH c AS (SELECT id, status FROM reason_candidates WHERE organization_id = $1 AND id = $2 FOR UPDATE),
          d AS (UPDATE reason_candidates r SET status = 'dismissed', resolved_at = now() FROM c WHERE r.id = c.id AND c.status = 'open' RETURNING r.id)
     SELECT c.status FROM c`,
    [input.organizationId, input.candidateId],
  );
  if (!rows.length) throw new ReasonListError('NOT_FOUND', `There is no candidate ${input.candidateId} in this organization.`);
  if (rows[0].status !== 'open' && rows[0].status !== 'dismissed') throw new ReasonListError('INVALID_STATE', `That candidate was already ${rows[0].status}.`);
}

/** Candidates for staff (open by default), most frequent first, each with the matcher's best guess. */
export async function listCandidates(
  db: Queryable,
  organizationId: string,
  opts: { status?: 'open' | 'accepted' | 'mapped' | 'dismissed'; limit?: number } = {},
): Promise<CandidateListItem[]> {
  const { rows } = await db.query<{
    id: string;
    sample_text: string;
    normalized: string;
    occurrences: number;
    status: string;
    best_reason_id: string | null;
    best_reason_label: string | null;
    best_score: number | null;
    created_at: Date;
  }>(
    `SELECT c.id::text, c.sample_text, c.normalized, c.occurrences, c.status, c.best_score, c.created_at,
            r.id::text AS best_reason_id, r.label AS best_reason_label
       FROM reason_candidates c
       LEFT JOIN churn_reasons r ON r.organization_id = c.organization_id AND r.id = c.best_reason_id AND r.retired_at IS NULL
      WHERE c.organization_id = $1 AND c.status = $2
      ORDER BY c.occurrences DESC, c.created_at, c.id
      LIMIT $3`,
    [organizationId, opts.status ?? 'open', opts.limit ?? 100],
  );
  return rows.map((r) => ({
    id: r.id,
    sampleText: r.sample_text,
    normalized: r.normalized,
    occurrences: r.occurrences,
    status: r.status,
    bestReason: r.best_reason_id ? { id: r.best_reason_id, label: r.best_reason_label! } : null,
    bestScore: r.best_score,
    createdAt: r.created_at,
  }));
}
