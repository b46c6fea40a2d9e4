import { FUNCTION_WORDS, NEGATIONS } from './function-words';
import { normaliseReasonText, reasonKey } from './reason-text';

/**
 * Matches a client's free-text reply ("цены выросли", "ძვირიაა!!!", "cok pahali") to one of an
 * organization's reasons, in any language and script:
 *
 * 1. the text is normalised (reasonKey: NFKC, full case folding, punctuation, symbols and emoji
 *    out, single spaces); empty: no match;
 * 2. the same key as a label (any locale) or alias of exactly one reason: that reason, score 1,
 *    by 'alias';
 * 3. too little text to judge ("ok", "no"): no match;
 * 4. the same text but for accents, Arabic letter variants or letters repeated for emphasis
 *    (foldForMatching): that reason, score 1, by 'fuzzy';
 * 5. otherwise every reason is scored against each of its labels and aliases (scoreReasons) and
 *    the best is taken, by 'fuzzy', when it scores at least MATCH_THRESHOLD and MATCH_MARGIN more
 *    than the next reason; else the text is a candidate for staff, with the closest reason and its
 *    score kept.
 *
 * Fuzzy scoring compares words. Two words are alike when equal, when they share a stem of four
 * letters or more ("дорого" / "дороговато", "pahalı" / "pahalıya", the shorter one's beginning
 * inside the longer: "ძვირი" / "გაძვირდა"), or when their character bigrams say typo
 * ("expnsive"). Scripts written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar) are cut into
 * character n-grams that stand for words; an Arabic word loses its article. Words weigh by what
 * they say: a word used by k reasons of the book weighs k^-β (with its other forms), function words
 * and negations (function-words.ts, lists for common languages) little, one- and two-letter words
 * less. A phrase scores by how much of it the reply holds (coverage) and how much of the reply its
 * reason explains, as a geometric mean, so a long reply that mentions a label's word in passing
 * ("the prices are fine but parking…") does not match it; a negated phrase ("no time") against a
 * reply that negates nothing scores less. Nothing here assumes Latin letters or word spaces.
 *
 * The threshold and weights were chosen on fixtures/reply-texts.json (reason-matcher.eval.spec).
 */

/** A reason as the matcher sees it: default label, labels per locale, aliases (any text; normalised here). */
export interface BookReason {
  id: string;
  label: string;
  labels?: Readonly<Record<string, string>>;
  aliases?: readonly string[];
}

/** An organization's active reasons (not retired; a merged reason's texts count for its target). */
export interface ReasonBook {
  organizationId?: string;
  reasons: readonly BookReason[];
}

export type MatchedBy = 'alias' | 'fuzzy';

export interface ReasonMatch {
  /** 'matched': reasonId is set; 'candidate': below the threshold, for staff; 'none': nothing to judge. */
  outcome: 'matched' | 'candidate' | 'none';
  reasonId: string | null;
  matchedBy: MatchedBy | null;
  /** The matched reason's score, or for a candidate the closest reason's (null when nothing is close). */
  score: number | null;
  /** The closest reason (the matched one when matched). */
  bestReasonId: string | null;
  /** The label or alias the best score came from. */
  bestText: string | null;
  /** reasonKey of the text (normalised; the key of reason_candidates and learned aliases). */
  normalized: string;
}

export interface ReasonScore {
  reasonId: string;
  score: number;
  /** The label or alias that scored best. */
  text: string;
}

/**
 * Lowest fuzzy score matched automatically. Chosen on the labelled replies in
 * fixtures/reply-texts.json (reason-matcher.eval.spec): precision 0.97, recall 0.74 there. 0.425
 * gives 0.96 / 0.76 and 0.375 falls below 0.95 precision; chosen above the lowest threshold that
 * holds 0.95, because a threshold chosen on one half of the set loses about 0.01 of precision on
 * the other half, and a wrong automatic match costs more than a candidate.
 */
export const MATCH_THRESHOLD = 0.45;

/** The best reason must beat the next one by this much: a reply naming two reasons goes to staff. */
export const MATCH_MARGIN = 0.1;

/** Less than this much text (see informationLength) is not judged: "ok", "no", "?". */
export const MIN_INFORMATION = 3;

/** Similarities of two words below this count as unrelated. */
const WORD_FLOOR = 0.55;

/** Weight of a reply's word that no label or alias uses (in "how much of the reply a phrase explains"). */
const UNKNOWN_WORD_WEIGHT = 0.5;

/** Share of "how much of the phrase the reply holds" in a phrase's score; the rest is how much of the reply it explains. */
const COVERAGE_SHARE = 0.5;

/** Weight of a function word (function-words.ts) relative to a content word. */
const FUNCTION_WORD_WEIGHT = 0.15;

/** Weight of a negation ("no", "не", "არ", "yok"). */
const NEGATION_WEIGHT = 0.3;

/** Score factor of a negated phrase against a reply without any negation. */
const UNMET_NEGATION_FACTOR = 0.7;

/** Least bigram likeness of two words taken for a typo ("expnsive" / "expensive" is 0.84). */
const TYPO_DICE = 0.7;

/** Words this alike are forms of one word (for the book's word weights). */
const SAME_WORD = 0.8;

/** A word used by k reasons of the book weighs k^-β. */
const REASON_FREQUENCY_EXPONENT = 0.5;

/** Scripts written without spaces between words: cut into character n-grams (bigrams for Han and kana, trigrams for the Brahmic ones). */
const BIGRAM_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const TRIGRAM_SCRIPT = /[\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/** Letters whose accents a matcher may drop ("está" / "esta", "çok" / "cok", "ё" / "е"). */
const ACCENTED_SCRIPT = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]/u;
/** Arabic marks: Quranic annotation, harakat, hamza above / below and madda (which also unseat أ إ آ ؤ ئ), superscript alef. */
const ARABIC_MARK = /[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]/u;
const NONSPACING_MARK = /\p{Mn}/u;
const LETTER_FOLDS: Record<string, string> = {
  ı: 'i', // Turkish dotless i, often typed as i (and İ folds to i + a dot that is dropped as an accent)
  ς: 'σ',
  ٱ: 'ا',
  ى: 'ي',
  ی: 'ي', // Persian yeh
  ة: 'ه',
  ک: 'ك', // Persian kaf
  ـ: '', // tatweel
};

/**
 * The looser form words are compared in (never stored): accents dropped from Latin, Greek and
 * Cyrillic letters, Arabic marks dropped and letter variants unified, a letter repeated three
 * times or more for emphasis ("soooo", "غاااالي") kept once. Marks of other scripts are letters'
 * vowels (Devanagari, Bengali, Thai ...) and stay.
 */
export function foldForMatching(normalised: string): string {
  let out = '';
  let base = '';
  for (const ch of normalised.normalize('NFD')) {
    if (NONSPACING_MARK.test(ch)) {
      if (ARABIC_MARK.test(ch) || ACCENTED_SCRIPT.test(base)) continue;
      out += ch;
      continue;
    }
    base = ch;
    out += LETTER_FOLDS[ch] ?? ch;
  }
  return out
    .normalize('NFC')
    .replace(/(\p{L})\1{2,}/gu, '$1')
    .replace(/\s+/gu, ' ')
    .trim();
}

/** How much a text says, for "too short to judge": letters and digits, those of unspaced scripts counting 3 (one Han character is a word). */
export function informationLength(normalised: string): number {
  let n = 0;
  for (const ch of normalised) {
    if (UNSPACED_SCRIPT.test(ch)) n += 3;
    else if (/[\p{L}\p{N}]/u.test(ch)) n += 1;
  }
  return n;
}

function isGram(token: string): boolean {
  return UNSPACED_SCRIPT.test(token);
}

function grams(run: string[], n: number): string[] {
  if (run.length <= n) return [run.join('')];
  const out: string[] = [];
  for (let i = 0; i + n <= run.length; i++) out.push(run.slice(i, i + n).join(''));
  return out;
}

/** Arabic proclitics written onto the word: the article and the conjunctions / prepositions before it. */
const ARABIC_ARTICLE = /^(?:وال|بال|كال|فال|ال|لل)(?=\p{Script=Arabic}{2})/u;

/** A plain word as compared: an Arabic word of five letters or more loses its article ("الأسعار" and "أسعار" meet). */
function stem(word: string[]): string {
  const text = word.join('');
  return word.length >= 5 ? text.replace(ARABIC_ARTICLE, '') : text;
}

/**
 * The words of a folded text: space-separated words, runs of unspaced scripts cut into n-grams
 * (Han and kana: each character and each pair, as one character is often a word; Thai, Lao, Khmer,
 * Myanmar: trigrams of code points, their vowels being marks).
 */
export function matchTokens(folded: string): string[] {
  const tokens: string[] = [];
  for (const word of folded.split(' ')) {
    if (!word) continue;
    let run: string[] = [];
    let runKind: 'plain' | 'bi' | 'tri' | null = null;
    const flush = () => {
      if (run.length) tokens.push(...(runKind === 'plain' ? [stem(run)] : runKind === 'bi' ? [...(run.length > 1 ? run : []), ...grams(run, 2)] : grams(run, 3)));
      run = [];
    };
    for (const ch of word) {
      // Combining marks belong to the run of the letter before them.
      const kind: 'plain' | 'bi' | 'tri' = NONSPACING_MARK.test(ch) && runKind ? runKind : BIGRAM_SCRIPT.test(ch) ? 'bi' : TRIGRAM_SCRIPT.test(ch) ? 'tri' : 'plain';
      if (kind !== runKind) flush();
      runKind = kind;
      run.push(ch);
    }
    flush();
  }
  return tokens;
}

function paddedBigrams(chars: string[]): Map<string, number> {
  const padded = [' ', ...chars, ' '];
  const out = new Map<string, number>();
  for (let i = 0; i < padded.length - 1; i++) {
    const g = padded[i] + padded[i + 1];
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

/** The longest beginning of `a` found anywhere in `b`, in characters. */
function leadingRunInside(a: string[], b: string[]): number {
  let best = 0;
  for (let j = 0; j < b.length; j++) {
    let k = 0;
    while (k < a.length && j + k < b.length && a[k] === b[j + k]) k++;
    if (k > best) best = k;
  }
  return best;
}

interface Word {
  chars: string[];
  bigrams: Map<string, number>;
  gram: boolean;
}

/** Words met recently, split once (bounded: cleared when full). */
const words = new Map<string, Word>();

function word(text: string): Word {
  let w = words.get(text);
  if (!w) {
    if (words.size >= 50_000) words.clear();
    const chars = Array.from(text);
    w = { chars, bigrams: paddedBigrams(chars), gram: isGram(text) };
    words.set(text, w);
  }
  return w;
}

/**
 * How alike two words are, in [0, 1]: 1 when equal; a shared stem (a common beginning of 4+
 * letters, or the shorter word's beginning, most of it, inside the longer) or the Dice coefficient
 * of their character bigrams, whichever is higher. N-grams of unspaced scripts and words of three
 * letters or fewer are alike only when equal ("was" is not a typo of "waits").
 */
export function wordSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const wa = word(a);
  const wb = word(b);
  if (wa.gram || wb.gram) return 0;
  const x = wa.chars;
  const y = wb.chars;
  const short = Math.min(x.length, y.length);
  const long = Math.max(x.length, y.length);
  if (short < 4) return 0;
  let prefix = 0;
  while (prefix < short && x[prefix] === y[prefix]) prefix++;
  let best = 0;
  if (prefix >= 4 && prefix >= 0.6 * short) best = 0.6 + (0.4 * prefix) / long;
  // The shorter word's stem inside the longer one, after a prefix ("ძვირი" in "გაძვირდა").
  const [shorter, longer] = x.length <= y.length ? [x, y] : [y, x];
  const stemLength = prefix >= short ? prefix : leadingRunInside(shorter, longer);
  if (stemLength >= 4 && stemLength >= 0.75 * short) best = Math.max(best, 0.5 + (0.4 * stemLength) / long);
  let shared = 0;
  for (const [g, n] of wa.bigrams) shared += Math.min(n, wb.bigrams.get(g) ?? 0);
  const dice = (2 * shared) / (x.length + 1 + y.length + 1);
  // Below TYPO_DICE shared bigrams are more often a shared ending ("-amiento", "-ность") than a typo.
  return Math.max(best, dice >= TYPO_DICE ? dice : 0);
}

interface Phrase {
  reasonId: string;
  text: string;
  tokens: string[];
  weights: number[];
  weightSum: number;
  /** Holds a negation ("no", "не", "არ"). */
  negated: boolean;
}

interface CompiledBook {
  /** reasonKey of each label and alias -> the reasons it names. */
  exact: Map<string, Owner[]>;
  /** The same, folded for matching (foldForMatching). */
  loose: Map<string, Owner[]>;
  phrases: Phrase[];
  /** Weight of each word the book uses. */
  vocabulary: Map<string, number>;
  /** The words of each reason's labels and aliases. */
  reasonWords: Map<string, Set<string>>;
  /** Padded bigram -> words of the vocabulary holding it (only those can be alike, see wordSimilarity). */
  bigramIndex: Map<string, string[]>;
}

const compiled = new WeakMap<ReasonBook, CompiledBook>();

/**
 * Compiled books by content, most recently used last: loadReasonBook reads a new object for every
 * reply, and an unchanged list need not be compiled again (a changed one has another key).
 */
const compiledByContent = new Map<string, CompiledBook>();
const COMPILED_BOOKS_KEPT = 64;

/** Words of lists as the matcher sees them (folded, tokenised; unspaced scripts' entries whole). */
function tokenSet(lists: Readonly<Record<string, string>>): ReadonlySet<string> {
  return new Set(
    Object.values(lists).flatMap((list) =>
      list
        .split(/\s+/u)
        .filter(Boolean)
        .flatMap((w) => {
          const folded = foldForMatching(normaliseReasonText(w));
          return UNSPACED_SCRIPT.test(folded) ? [folded] : matchTokens(folded);
        }),
    ),
  );
}

const FUNCTION_TOKENS = tokenSet(FUNCTION_WORDS);
const NEGATION_TOKENS = tokenSet(NEGATIONS);

function inList(token: string, list: ReadonlySet<string>): boolean {
  if (list.has(token)) return true;
  // A pair of Han or kana characters that are both listed ("没有", "了吧").
  const chars = Array.from(token);
  return chars.length === 2 && isGram(token) && chars.every((c) => list.has(c));
}

/**
 * What a word weighs before the book's say: negations and other function words less (see
 * function-words.ts), words of one or two letters less (mostly grammar in any script: "в", "is",
 * "da"), any other word 1.
 */
function intrinsicWeight(token: string): number {
  if (NEGATION_TOKENS.has(token)) return NEGATION_WEIGHT;
  if (inList(token, FUNCTION_TOKENS)) return FUNCTION_WORD_WEIGHT;
  if (isGram(token)) return 1;
  const n = Array.from(token).length;
  return n === 1 ? 0.25 : n === 2 ? 0.5 : 1;
}

function texts(reason: BookReason): string[] {
  return [reason.label, ...Object.values(reason.labels ?? {}), ...(reason.aliases ?? [])];
}

interface Owner {
  reasonId: string;
  text: string;
}

/** Adds the reason as an owner of the key, once per reason (a key two reasons own is an exact match for neither). */
function addOwner(map: Map<string, Owner[]>, key: string, owner: Owner): void {
  const owners = map.get(key);
  if (!owners) map.set(key, [owner]);
  else if (!owners.some((o) => o.reasonId === owner.reasonId)) owners.push(owner);
}

function soleOwner(owners: Owner[] | undefined): Owner | null {
  return owners?.length === 1 ? owners[0] : null;
}

function compile(book: ReasonBook): CompiledBook {
  const exact = new Map<string, Owner[]>();
  const loose = new Map<string, Owner[]>();
  const raw: { reasonId: string; text: string; tokens: string[] }[] = [];
  const reasonsOfToken = new Map<string, Set<string>>();
  for (const reason of book.reasons) {
    const seen = new Set<string>();
    for (const text of texts(reason)) {
      const normalised = normaliseReasonText(text);
      if (!normalised) continue;
      addOwner(exact, reasonKey(normalised), { reasonId: reason.id, text });
      const folded = foldForMatching(normalised);
      addOwner(loose, folded, { reasonId: reason.id, text });
      if (seen.has(folded)) continue;
      seen.add(folded);
      const tokens = matchTokens(folded);
      raw.push({ reasonId: reason.id, text, tokens });
      for (const t of tokens) {
        if (!reasonsOfToken.has(t)) reasonsOfToken.set(t, new Set());
        reasonsOfToken.get(t)!.add(reason.id);
      }
    }
  }
  const bigramIndex = new Map<string, string[]>();
  for (const token of reasonsOfToken.keys()) {
    if (isGram(token)) continue;
    for (const g of word(token).bigrams.keys()) {
      if (!bigramIndex.has(g)) bigramIndex.set(g, []);
      bigramIndex.get(g)!.push(token);
    }
  }
  const vocabulary = new Map<string, number>();
  for (const [token, reasons] of reasonsOfToken) {
    // Inverse reason frequency, counting the reasons of the word's forms too ("ექიმი", "ექიმთან"):
    // a word of one reason weighs 1, of two 1/2^β, ... ("clinic" says less than "cheaper").
    const of = new Set(reasons);
    for (const [form, s] of alikeWords(token, reasonsOfToken, bigramIndex)) if (s >= SAME_WORD) for (const r of reasonsOfToken.get(form)!) of.add(r);
    vocabulary.set(token, Math.pow(of.size, -REASON_FREQUENCY_EXPONENT) * intrinsicWeight(token));
  }
  const phrases = raw.map((p) => {
    const weights = p.tokens.map((t) => vocabulary.get(t)!);
    return { ...p, weights, weightSum: weights.reduce((s, w) => s + w, 0), negated: p.tokens.some((t) => NEGATION_TOKENS.has(t)) };
  });
  const reasonWords = new Map<string, Set<string>>(book.reasons.map((r) => [r.id, new Set<string>()]));
  for (const p of raw) for (const t of p.tokens) reasonWords.get(p.reasonId)!.add(t);
  return { exact, loose, phrases, vocabulary, reasonWords, bigramIndex };
}

function compiledBook(book: ReasonBook): CompiledBook {
  let c = compiled.get(book);
  if (!c) {
    const key = JSON.stringify(book.reasons.map((r) => [r.id, r.label, r.labels ?? {}, r.aliases ?? []]));
    c = compiledByContent.get(key);
    if (c) compiledByContent.delete(key);
    else c = compile(book);
    compiledByContent.set(key, c);
    if (compiledByContent.size > COMPILED_BOOKS_KEPT) compiledByContent.delete(compiledByContent.keys().next().value!);
    compiled.set(book, c);
  }
  return c;
}

/** The words of `vocabulary` alike to `t` (at least WORD_FLOOR), and how alike; only words sharing a bigram can be. */
function alikeWords(t: string, vocabulary: ReadonlyMap<string, unknown>, bigramIndex: ReadonlyMap<string, string[]>): Map<string, number> {
  const alike = new Map<string, number>();
  if (vocabulary.has(t)) alike.set(t, 1);
  if (isGram(t)) return alike;
  // Words alike share at least three bigrams (a common stem of four letters does): count first, compare those.
  const shared = new Map<string, number>();
  for (const g of word(t).bigrams.keys()) for (const v of bigramIndex.get(g) ?? []) if (v !== t) shared.set(v, (shared.get(v) ?? 0) + 1);
  for (const [v, n] of shared) {
    if (n < 3) continue;
    const s = wordSimilarity(t, v);
    if (s >= WORD_FLOOR) alike.set(v, s);
  }
  return alike;
}

/**
 * For each word of the reply, the vocabulary words alike to it and how alike; a function word of
 * the reply stands for a content word of the book only as much as it weighs ("bitte" is not
 * Turkish "bitti").
 */
function similarities(tokens: string[], c: CompiledBook): Map<string, number>[] {
  return tokens.map((t) => {
    const alike = alikeWords(t, c.vocabulary, c.bigramIndex);
    const own = intrinsicWeight(t);
    if (own < 1) for (const [v, s] of alike) if (v !== t) alike.set(v, s * Math.min(1, own / intrinsicWeight(v)));
    return alike;
  });
}

/**
 * Every reason with any likeness to the text, best first, each with its best-scoring label or
 * alias. A phrase (label or alias) scores by how much of it the text holds ("coverage": its words'
 * weights, each times its likeness to the text's closest word) and how much of the text its reason
 * explains (the text's words' weights times their likeness to any word of the reason's labels and
 * aliases): COVERAGE_SHARE of the one, the rest of the other, as a weighted geometric mean, so
 * that a text must both hold the phrase and be mostly about its reason.
 */
export function scoreReasons(text: string, book: ReasonBook): ReasonScore[] {
  const c = compiledBook(book);
  const tokens = matchTokens(foldForMatching(normaliseReasonText(text)));
  if (!tokens.length) return [];
  const alike = similarities(tokens, c);
  // What a reply's word weighs: as the book weighs it or its closest word in the book, else as an unknown word.
  const tokenWeights = tokens.map((t, i) => {
    const own = intrinsicWeight(t);
    if (own < 1) return own;
    let best: [string, number] | null = null;
    for (const [v, s] of alike[i]) if (!best || s > best[1]) best = [v, s];
    return best && best[1] >= SAME_WORD ? c.vocabulary.get(best[0])! : UNKNOWN_WORD_WEIGHT;
  });
  const negated = tokens.some((t) => NEGATION_TOKENS.has(t));
  const tokenWeightSum = tokenWeights.reduce((s, w) => s + w, 0);
  const explainedBy = new Map<string, number>();
  const explains = (reasonId: string): number => {
    let e = explainedBy.get(reasonId);
    if (e === undefined) {
      const words = c.reasonWords.get(reasonId)!;
      e = 0;
      for (let i = 0; i < tokens.length; i++) {
        let m = 0;
        for (const [v, s] of alike[i]) if (s > m && words.has(v)) m = s;
        e += tokenWeights[i] * m;
      }
      e /= tokenWeightSum;
      explainedBy.set(reasonId, e);
    }
    return e;
  };
  const byReason = new Map<string, ReasonScore>();
  for (const p of c.phrases) {
    let held = 0;
    for (let k = 0; k < p.tokens.length; k++) {
      let m = 0;
      for (const a of alike) m = Math.max(m, a.get(p.tokens[k]) ?? 0);
      held += p.weights[k] * m;
    }
    if (held === 0) continue;
    const coverage = held / p.weightSum;
    // A negated phrase ("no time", "нет записи") is not met by a reply that negates nothing ("a long time").
    const polarity = p.negated && !negated ? UNMET_NEGATION_FACTOR : 1;
    const score = polarity * Math.pow(coverage, COVERAGE_SHARE) * Math.pow(explains(p.reasonId), 1 - COVERAGE_SHARE);
    const current = byReason.get(p.reasonId);
    if (!current || score > current.score) byReason.set(p.reasonId, { reasonId: p.reasonId, score, text: p.text });
  }
  return [...byReason.values()].sort((a, b) => b.score - a.score);
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}

/** Matches a reply's text to a reason of the book (see the top of this file). */
export function matchReason(text: string, book: ReasonBook): ReasonMatch {
  const normalized = reasonKey(text);
  const none: ReasonMatch = { outcome: 'none', reasonId: null, matchedBy: null, score: null, bestReasonId: null, bestText: null, normalized };
  if (!normalized) return none;
  const c = compiledBook(book);
  const exact = soleOwner(c.exact.get(normalized));
  if (exact) return { outcome: 'matched', reasonId: exact.reasonId, matchedBy: 'alias', score: 1, bestReasonId: exact.reasonId, bestText: exact.text, normalized };
  if (informationLength(normalized) < MIN_INFORMATION) return none;
  const loose = soleOwner(c.loose.get(foldForMatching(normalized)));
  if (loose) return { outcome: 'matched', reasonId: loose.reasonId, matchedBy: 'fuzzy', score: 1, bestReasonId: loose.reasonId, bestText: loose.text, normalized };
  const [best, next] = scoreReasons(text, book);
  if (!best) return { ...none, outcome: 'candidate' };
  const score = round(best.score);
  if (best.score >= MATCH_THRESHOLD && best.score - (next?.score ?? 0) >= MATCH_MARGIN) {
    return { outcome: 'matched', reasonId: best.reasonId, matchedBy: 'fuzzy', score, bestReasonId: best.reasonId, bestText: best.text, normalized };
  }
  return { outcome: 'candidate', reasonId: null, matchedBy: null, score, bestReasonId: best.reasonId, bestText: best.text, normalized };
}

/** The reasons of the book one of whose labels or aliases is this very text once normalised (a new label that would duplicate them). */
export function reasonsNamed(text: string, book: ReasonBook): string[] {
  return (compiledBook(book).exact.get(reasonKey(text)) ?? []).map((o) => o.reasonId);
}
