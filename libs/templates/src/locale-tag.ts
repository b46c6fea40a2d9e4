/**
 * Locale tags as clients' records and staff write them ('pt_BR', 'KA-ge', 'en_US.UTF-8'), made
 * comparable: canonical BCP-47 ('pt-BR', 'ka-GE', 'en-US').
 */

const canonicalCache = new Map<string, string | null>();
/** Tags in use are few (the clients' and organizations' locales); the bound guards against garbage input in a loop. */
const CANONICAL_CACHE_LIMIT = 1000;

/** The canonical BCP-47 form of a tag, or null when it is not a locale at all. */
export function normaliseLocale(tag: string | null | undefined): string | null {
  if (typeof tag !== 'string') return null;
  // Intl's canonicalisation costs microseconds, and every render of a campaign asks again.
  let canonical = canonicalCache.get(tag);
  if (canonical === undefined) {
    canonical = canonicalise(tag);
    if (canonicalCache.size >= CANONICAL_CACHE_LIMIT) canonicalCache.clear();
    canonicalCache.set(tag, canonical);
  }
  return canonical;
}

function canonicalise(tag: string): string | null {
  // POSIX locale names carry an encoding or modifier ('.UTF-8', '@euro') that BCP-47 has no place for.
  const cleaned = tag.trim().replace(/[.@].*$/, '').replace(/_/g, '-');
  if (!cleaned) return null;
  try {
    return Intl.getCanonicalLocales(cleaned)[0] ?? null;
  } catch {
    return null;
  }
}

/** The language subtag of a canonical tag ('ka-GE' → 'ka'). */
export function languageOf(canonicalTag: string): string {
  return canonicalTag.split('-')[0];
}

/**
 * A text-to-speech language: language, optional script, optional region ('ka-GE', 'sr-Latn-RS',
 * 'es-419'). Speech engines take nothing more specific, so variants and extensions are refused,
 * and so are the 4–8 letter language subtags BCP-47 allows in theory ('english' is well-formed).
 */
export function isTtsLanguageTag(tag: unknown): boolean {
  if (typeof tag !== 'string' || tag.trim() !== tag || tag.includes('_')) return false;
  const canonical = normaliseLocale(tag);
  return canonical !== null && /^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|\d{3}))?$/.test(canonical);
}

/**
 * The locale to format dates and numbers in: the recipient's when it is the template's language
 * (an English template for an 'en-GB' client shows 8 March 2026), else the template's own, so a
 * fallback English message never carries a Georgian date in the middle of it.
 */
export function formattingLocale(templateLocale: string, recipientLocale: string | null | undefined): string {
  const template = normaliseLocale(templateLocale) ?? 'en';
  const recipient = normaliseLocale(recipientLocale);
  return recipient && languageOf(recipient) === languageOf(template) ? recipient : template;
}
