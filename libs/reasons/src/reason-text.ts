/**
 * Reason labels compared the way a person would: "Too expensive!", "too  expensive" and
 * "ＴＯＯ ＥＸＰＥＮＳＩＶＥ" are the same reason; "expensive" is a near-duplicate of it. Works on
 * every script: nothing here assumes Latin letters, word spaces or ASCII punctuation.
 */

/**
 * Invisible format characters that copy-paste and keyboards leave in text (soft hyphen, zero-width
 * space, bidirectional marks and isolates, byte-order mark, emoji tag characters). ZWJ and ZWNJ are
 * kept: they spell words in Persian and Indic scripts (an emoji's ZWJ goes with the emoji, below).
 */
const INVISIBLE = /[\u00ad\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u{e0000}-\u{e007f}]/gu;

/** Punctuation and symbols, emoji with their variation selectors, skin tones, keycaps and ZWJ sequences. */
const PUNCTUATION_AND_SYMBOLS = /(?:[\p{P}\p{S}\p{Extended_Pictographic}\p{Emoji_Modifier}\u20e3\ufe0e\ufe0f]|\u200d(?=[\p{S}\p{Extended_Pictographic}]))+/gu;

/**
 * The key a reason text is compared and stored by (reason_aliases.normalized,
 * reason_candidates.normalized): NFKC (full-width and compatibility forms fold), full case folding
 * (upper then lower case: "ß" and "SS", final and medial sigma meet), punctuation, symbols and emoji
 * to spaces, invisible format characters dropped, one space between words.
 */
export function normaliseReasonText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(PUNCTUATION_AND_SYMBOLS, ' ')
    .toUpperCase()
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim()
    .normalize('NFC');
}

/** A label as staff typed it, tidied for storage: NFKC, single spaces, trimmed (case kept). */
export function tidyReasonLabel(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

/** Character bigrams (by code point) of the text padded with spaces, so one-word labels have edges too. */
function bigrams(normalised: string): Map<string, number> {
  const chars = Array.from(` ${normalised} `);
  const grams = new Map<string, number>();
  for (let i = 0; i < chars.length - 1; i++) {
    const g = chars[i] + chars[i + 1];
    grams.set(g, (grams.get(g) ?? 0) + 1);
  }
  return grams;
}

/**
 * Similarity in [0, 1] of two labels: the Dice coefficient of their character bigrams (robust to
 * typos and word order, script-neutral), raised to 0.8 when every word of the shorter label is a
 * word of the longer one ("expensive" / "too expensive").
 */
export function reasonSimilarity(a: string, b: string): number {
  const x = normaliseReasonText(a);
  const y = normaliseReasonText(b);
  if (!x || !y) return 0;
  if (x === y) return 1;
  const gx = bigrams(x);
  const gy = bigrams(y);
  let shared = 0;
  let total = 0;
  for (const [g, n] of gx) {
    shared += Math.min(n, gy.get(g) ?? 0);
    total += n;
  }
  for (const n of gy.values()) total += n;
  const dice = (2 * shared) / total;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  const longWords = new Set(long.split(' '));
  const contained = short.split(' ').every((w) => longWords.has(w));
  return contained ? Math.max(dice, 0.8) : dice;
}

export interface ReasonCandidate {
  id: string;
  label: string;
}

export interface ScoredReason extends ReasonCandidate {
  score: number;
}

/** Above this, a new label is a near-duplicate of an existing reason and staff are warned first. */
export const NEAR_DUPLICATE_THRESHOLD = 0.6;

/**
 * Existing reasons like `text`, best first: those starting with what was typed, then by
 * similarity; at most `limit`, none below `minScore`.
 */
export function rankReasons(text: string, reasons: readonly ReasonCandidate[], opts: { minScore?: number; limit?: number } = {}): ScoredReason[] {
  const typed = normaliseReasonText(text);
  if (!typed) return [];
  const minScore = opts.minScore ?? 0.3;
  return reasons
    .map((r) => {
      const label = normaliseReasonText(r.label);
      const prefix = label.startsWith(typed) || label.split(' ').some((w) => w.startsWith(typed));
      return { ...r, score: reasonSimilarity(typed, label), prefix };
    })
    .filter((r) => r.prefix || r.score >= minScore)
    .sort((p, q) => Number(q.score === 1) - Number(p.score === 1) || Number(q.prefix) - Number(p.prefix) || q.score - p.score || p.label.localeCompare(q.label))
    .slice(0, opts.limit ?? 8)
    .map(({ prefix, ...r }) => (void prefix, r));
}

/** The existing reason with the same normalised text, if any (a new label that only differs in case, spacing or punctuation). */
export function sameReason(text: string, reasons: readonly ReasonCandidate[]): ReasonCandidate | undefined {
  const typed = normaliseReasonText(text);
  return reasons.find((r) => normaliseReasonText(r.label) === typed);
}

/** Existing reasons close enough to `text` to be the same reason written differently. */
export function nearDuplicates(text: string, reasons: readonly ReasonCandidate[]): ScoredReason[] {
  return reasons
    .map((r) => ({ ...r, score: reasonSimilarity(text, r.label) }))
    .filter((r) => r.score >= NEAR_DUPLICATE_THRESHOLD && r.score < 1)
    .sort((p, q) => q.score - p.score)
    .slice(0, 3);
}

/** Longest key stored for a text, in code points: a whole SMS in Georgian would pass PostgreSQL's btree limit. */
export const MAX_REASON_KEY_LENGTH = 500;

/**
 * The key a text is stored and looked up by (reason_aliases.normalized,
 * reason_candidates.normalized): normaliseReasonText, cut to MAX_REASON_KEY_LENGTH code points.
 */
export function reasonKey(text: string): string {
  const normalised = normaliseReasonText(text);
  const chars = Array.from(normalised);
  return chars.length > MAX_REASON_KEY_LENGTH ? chars.slice(0, MAX_REASON_KEY_LENGTH).join('').trim() : normalised;
}

/** Emoji with their modifiers, variation selectors, keycaps and joiners. */
const EMOJI = /(?:[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u20e3\ufe0e\ufe0f]|\u200d(?=\p{Extended_Pictographic}))+/gu;

/**
 * A reply's text made a label (a candidate accepted as a new reason): tidied, without emoji and
 * without the punctuation around it ("My kids grew up 🙂!!" -> "My kids grew up"); case and the
 * punctuation inside kept.
 */
export function labelFromText(text: string): string {
  return tidyReasonLabel(text.normalize('NFKC').replace(INVISIBLE, '').replace(EMOJI, ' ')).replace(/^[\p{P}\s]+|[\p{P}\s]+$/gu, '');
}
