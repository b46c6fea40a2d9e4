import { loadReasonBook } from './reason-book';
import type { Queryable } from './reason-db';
import { MATCH_THRESHOLD, reasonsNamed, scoreReasons, type BookReason, type ReasonBook } from './reason-matcher';
import { NEAR_DUPLICATE_THRESHOLD, normaliseReasonText, reasonSimilarity } from './reason-text';

/** An existing reason offered while staff type one. */
export interface ReasonSuggestion {
  id: string;
  /** In the asked locale when the reason has a label there, else the default label. */
  label: string;
  /** How close, in [0, 1]: the better of the matcher's score and the labels' character similarity. */
  score: number;
  /** The label or alias that came closest. */
  matchedText: string;
  /** The typed text is one of this reason's labels or aliases (once normalised): pick it, do not create it. */
  exact: boolean;
  /** Close enough to be the same reason written differently: warn before creating a new one. */
  nearDuplicate: boolean;
}

/**
 * A reason's label for a reader in `locale`: the label in that locale, else in its language ("pt"
 * for "pt-BR"), else in another region of that language, else the default label.
 */
export function labelInLocale(reason: Pick<BookReason, 'label' | 'labels'>, locale?: string): string {
  const labels = reason.labels;
  if (!locale || !labels) return reason.label;
  const language = locale.split('-')[0].toLowerCase();
  const regional = Object.keys(labels)
    .filter((l) => l.toLowerCase().startsWith(`${language}-`))
    .sort()[0];
  return labels[locale] ?? labels[language] ?? (regional ? labels[regional] : undefined) ?? reason.label;
}

function texts(reason: BookReason): string[] {
  return [reason.label, ...Object.values(reason.labels ?? {}), ...(reason.aliases ?? [])];
}

/**
 * Existing reasons for a typed text, best first: the one it names exactly, then those with a
 * label, alias or word starting with what was typed, then by closeness (the matcher's score, which
 * knows word forms, typos and other scripts' labels, or whole-label character similarity); at most
 * `limit`, none below `minScore` unless it starts with the typed text.
 */
export function suggestFromBook(typed: string, book: ReasonBook, opts: { locale?: string; limit?: number; minScore?: number } = {}): ReasonSuggestion[] {
  const key = normaliseReasonText(typed);
  if (!key) return [];
  const minScore = opts.minScore ?? 0.3;
  const fuzzy = new Map(scoreReasons(typed, book).map((s) => [s.reasonId, s]));
  const named = new Set(reasonsNamed(typed, book));
  const out: (ReasonSuggestion & { prefix: boolean })[] = [];
  for (const reason of book.reasons) {
    let prefix = false;
    let close = { score: 0, text: reason.label };
    for (const text of texts(reason)) {
      const n = normaliseReasonText(text);
      if (n.startsWith(key) || n.split(' ').some((w) => w.startsWith(key))) prefix = true;
      const s = reasonSimilarity(key, n);
      if (s > close.score) close = { score: s, text };
    }
    const matched = fuzzy.get(reason.id);
    const exact = named.has(reason.id);
    const score = exact ? 1 : Math.max(close.score, matched?.score ?? 0);
    if (!exact && !prefix && score < minScore) continue;
    out.push({
      id: reason.id,
      label: labelInLocale(reason, opts.locale),
      score: Math.round(score * 1000) / 1000,
      matchedText: matched && matched.score > close.score ? matched.text : close.text,
      exact,
      nearDuplicate: !exact && (close.score >= NEAR_DUPLICATE_THRESHOLD || (matched?.score ?? 0) >= MATCH_THRESHOLD),
      prefix,
    });
  }
  return out
    .sort((p, q) => Number(q.exact) - Number(p.exact) || Number(q.prefix) - Number(p.prefix) || q.score - p.score || p.label.localeCompare(q.label))
    .slice(0, opts.limit ?? 8)
    .map(({ prefix, ...s }) => (void prefix, s));
}

/** The reasons of the book a new label would duplicate in all but wording, closest first (at most 3), labelled in `locale`. */
export function nearDuplicatesInBook(label: string, book: ReasonBook, opts: { locale?: string } = {}): ReasonSuggestion[] {
  return suggestFromBook(label, book, { limit: book.reasons.length, locale: opts.locale })
    .filter((s) => s.nearDuplicate)
    .sort((p, q) => q.score - p.score)
    .slice(0, 3);
}

/** The client card's type-ahead: the organization's active reasons for what staff typed (see suggestFromBook). */
export async function suggestReasons(
  db: Queryable,
  organizationId: string,
  typedText: string,
  opts: { locale?: string; limit?: number } = {},
): Promise<ReasonSuggestion[]> {
  if (!normaliseReasonText(typedText)) return [];
  return suggestFromBook(typedText, await loadReasonBook(db, organizationId), opts);
}
