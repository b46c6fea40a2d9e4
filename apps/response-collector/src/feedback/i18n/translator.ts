import ar from './ar.json';
import en from './en.json';
import fa from './fa.json';
import he from './he.json';
import ka from './ka.json';
import ru from './ru.json';

/**
 * The message catalogs of the public pages (feedback, thank-you, unsubscribe, link-gone). English
 * is complete and the fallback for every key; every other catalog carries the same keys (a spec
 * holds them together). Keys are flat and dotted; `{name}` is replaced by a parameter. The pages
 * never put the organization's or client's data inside a translated sentence (only dates and the
 * client's own call time), so no language has to inflect a name.
 */
export const CATALOGS: Readonly<Record<string, Readonly<Record<string, string>>>> = { en, ru, ka, ar, he, fa };
export const PUBLIC_LANGUAGES = Object.keys(CATALOGS);
export const FALLBACK_LANGUAGE = 'en';

/** Languages written right to left (the page gets dir="rtl"). */
const RIGHT_TO_LEFT = new Set(['ar', 'he', 'fa', 'ur', 'ps', 'yi', 'ckb', 'dv', 'sd', 'ug']);

/** The language subtag of a BCP 47 tag ('ka-GE' → 'ka', 'pt_BR' → 'pt'). */
export function languageOf(tag: string): string {
  return tag.trim().toLowerCase().split(/[-_]/)[0];
}

export function isRightToLeft(language: string): boolean {
  return RIGHT_TO_LEFT.has(languageOf(language));
}

/** The language a page is shown in, and the tag reason labels are looked up by. */
export interface PageLocale {
  /** A language with a catalog ('ka'). */
  language: string;
  /** The tag it was chosen from, lower-case ('ka-ge'), for reason_labels rows written per region. */
  tag: string;
}

/**
 * The language of a client's page: the first of the candidates (the client's locale, the
 * message's, the organization's default) whose language has a catalog, else English. A client
 * whose own language has no catalog gets the language their message was written in.
 */
export function choosePageLocale(candidates: readonly (string | null | undefined)[]): PageLocale {
  for (const candidate of candidates) {
    if (!candidate || !candidate.trim()) continue;
    const language = languageOf(candidate);
    if (Object.hasOwn(CATALOGS, language)) return { language, tag: candidate.trim().toLowerCase().replace(/_/g, '-') };
  }
  return { language: FALLBACK_LANGUAGE, tag: FALLBACK_LANGUAGE };
}

/**
 * The language for a visitor nobody knows (an unknown or expired link): the first of their
 * browser's languages (Accept-Language, by weight) that has a catalog, else English.
 */
export function visitorLanguage(acceptLanguage: string | undefined): string {
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...rest] = part.trim().split(';');
      const q = rest.find((p) => p.trim().startsWith('q='));
      return { tag: tag.trim(), q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((w) => w.tag && w.tag !== '*' && w.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of wanted) {
    const language = languageOf(tag);
    if (Object.hasOwn(CATALOGS, language)) return language;
  }
  return FALLBACK_LANGUAGE;
}

/**
 * Date formatters by language and time zone, built once each: an Intl.DateTimeFormat costs far more
 * to build (locale data, time zone rules) than to use, and a page needs one per request.
 */
const DATE_TIME_FORMATS = new Map<string, Intl.DateTimeFormat>();

function dateTimeFormat(language: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${language}\u0000${timeZone}`;
  let format = DATE_TIME_FORMATS.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short', timeZone });
    DATE_TIME_FORMATS.set(key, format);
  }
  return format;
}

/** One language's strings and formatters for one page. */
export class PublicTranslator {
  readonly language: string;
  readonly dir: 'ltr' | 'rtl';
  private readonly catalog: Readonly<Record<string, string>>;
  private readonly dateTime: Intl.DateTimeFormat;

  constructor(language: string, timeZone = 'UTC') {
    this.language = Object.hasOwn(CATALOGS, language) ? language : FALLBACK_LANGUAGE;
    this.dir = isRightToLeft(this.language) ? 'rtl' : 'ltr';
    this.catalog = CATALOGS[this.language];
    this.dateTime = dateTimeFormat(this.language, timeZone);
  }

  /** The message for `key` with its parameters filled in; English when this catalog lacks it; the key itself when none has it. */
  t(key: string, params: Record<string, unknown> = {}): string {
    const template = Object.hasOwn(this.catalog, key) ? this.catalog[key] : Object.hasOwn(CATALOGS[FALLBACK_LANGUAGE], key) ? CATALOGS[FALLBACK_LANGUAGE][key] : key;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = params[name];
      return value === undefined || value === null ? whole : String(value);
    });
  }

  has(key: string): boolean {
    return Object.hasOwn(this.catalog, key) || Object.hasOwn(CATALOGS[FALLBACK_LANGUAGE], key);
  }

  /** An instant in the organization's time zone, in this language. */
  formatDateTime(value: Date): string {
    return this.dateTime.format(value);
  }
}
