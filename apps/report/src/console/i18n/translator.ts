import en from './en.json';
import ru from './ru.json';

/**
 * The console's message catalogs. English is complete and is the fallback for every key; each
 * other catalog must carry the same keys (a spec holds them together). Keys are flat and dotted
 * (`lost.filter.status`); `{name}` is replaced by a parameter; a key with `.one` / `.few` /
 * `.many` / `.other` variants is chosen by the locale's plural rules on `{count}`.
 */
export const CATALOGS: Readonly<Record<string, Readonly<Record<string, string>>>> = { en, ru };
export const CONSOLE_LOCALES = Object.keys(CATALOGS);
export const FALLBACK_LOCALE = 'en';

/** A locale's strings and formatters, made once per request. */
export class Translator {
  readonly locale: string;
  private readonly catalog: Readonly<Record<string, string>>;
  private readonly plurals: Intl.PluralRules;
  private readonly integer: Intl.NumberFormat;
  private readonly decimal: Intl.NumberFormat;
  private readonly percent: Intl.NumberFormat;
  private readonly money: Intl.NumberFormat;
  private readonly day: Intl.DateTimeFormat;
  /** Calendar dates (date columns) are shown as they are, so formatted in UTC, not shifted into the zone. */
  private readonly calendarDay: Intl.DateTimeFormat;
  private readonly calendarMonth: Intl.DateTimeFormat;
  private readonly dayTime: Intl.DateTimeFormat;

  constructor(locale: string, readonly timeZone: string, readonly currency: string) {
    this.locale = CATALOGS[locale] ? locale : FALLBACK_LOCALE;
    this.catalog = CATALOGS[this.locale];
    this.plurals = new Intl.PluralRules(this.locale);
    this.integer = new Intl.NumberFormat(this.locale, { maximumFractionDigits: 0 });
    this.decimal = new Intl.NumberFormat(this.locale, { maximumFractionDigits: 2 });
    this.percent = new Intl.NumberFormat(this.locale, { style: 'percent', maximumFractionDigits: 1 });
    this.money = new Intl.NumberFormat(this.locale, { style: 'currency', currency, maximumFractionDigits: 2 });
    this.day = new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeZone });
    this.calendarDay = new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeZone: 'UTC' });
    this.calendarMonth = new Intl.DateTimeFormat(this.locale, { month: 'long', year: 'numeric', timeZone: 'UTC' });
    this.dayTime = new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  }

  /** The message for `key` with its parameters filled in; the English text when this catalog lacks it. */
  t(key: string, params: Record<string, unknown> = {}): string {
    let template = this.lookup(key);
    if (template === undefined && typeof params.count === 'number') {
      const form = this.plurals.select(params.count);
      template = this.lookup(`${key}.${form}`) ?? this.lookup(`${key}.other`);
    }
    if (template === undefined) return key;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = params[name];
      if (value === undefined || value === null) return whole;
      return typeof value === 'number' ? this.decimal.format(value) : String(value);
    });
  }

  has(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  private lookup(key: string): string | undefined {
    return Object.hasOwn(this.catalog, key) ? this.catalog[key] : Object.hasOwn(CATALOGS[FALLBACK_LOCALE], key) ? CATALOGS[FALLBACK_LOCALE][key] : undefined;
  }

  formatInteger(n: number | null | undefined): string {
    return n === null || n === undefined || Number.isNaN(n) ? '—' : this.integer.format(n);
  }

  formatDecimal(n: number | null | undefined): string {
    return n === null || n === undefined || Number.isNaN(n) ? '—' : this.decimal.format(n);
  }

  formatPercent(share: number | null | undefined): string {
    return share === null || share === undefined || Number.isNaN(share) ? '—' : this.percent.format(share);
  }

  formatMoney(n: number | string | null | undefined): string {
    return n === null || n === undefined || n === '' ? '—' : this.money.format(Number(n));
  }

  /** A calendar date ('YYYY-MM-DD', a date column) shown as it is: no zone shift. */
  formatDay(value: string | Date | null | undefined): string {
    if (value === null || value === undefined) return '—';
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
      return this.calendarDay.format(new Date(`${value}T00:00:00Z`));
    }
    return this.day.format(new Date(value));
  }

  /** The month of a calendar date ('YYYY-MM-DD'), e.g. "November 2026". */
  formatMonth(value: string): string {
    return /^\d{4}-\d{2}-\d{2}$/.test(value) ? this.calendarMonth.format(new Date(`${value}T00:00:00Z`)) : '—';
  }

  /** An instant, in the organization's time zone. */
  formatDayTime(value: string | Date | null | undefined): string {
    return value === null || value === undefined ? '—' : this.dayTime.format(new Date(value));
  }
}

/**
 * The translator for someone not signed in (the sign-in page, errors before a session is known):
 * their chosen or browser language; no organization yet, so UTC and a neutral currency.
 */
export function visitorTranslator(chosen: string | undefined, acceptLanguage: string | undefined): Translator {
  return new Translator(negotiateLocale(chosen, acceptLanguage, undefined), 'UTC', 'USD');
}

/**
 * The console locale for a request: the one the person chose (cookie), else the first of their
 * browser's languages we have, else the organization's default language, else English.
 */
export function negotiateLocale(chosen: string | undefined, acceptLanguage: string | undefined, organizationDefault: string | undefined): string {
  if (chosen && CATALOGS[chosen]) return chosen;
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...rest] = part.trim().split(';');
      const q = rest.find((p) => p.trim().startsWith('q='));
      return { tag: tag.trim().toLowerCase(), q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((w) => w.tag && w.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of wanted) {
    const base = tag.split('-')[0];
    if (CATALOGS[base]) return base;
  }
  const orgBase = organizationDefault?.split(/[-_]/)[0].toLowerCase();
  return orgBase && CATALOGS[orgBase] ? orgBase : FALLBACK_LOCALE;
}
