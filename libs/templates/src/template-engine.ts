import Handlebars from 'handlebars';
import { TemplateError } from './template-error';
import { DATE_STYLES, FORMAT_HELPERS, type DateStyle } from './template-variables';

/**
 * The Handlebars environment templates run in: its own instance with only the documented helpers,
 * so nothing registered elsewhere in the process (the console's views) leaks into messages.
 */
export const engine = Handlebars.create();

/** Where a render passes its formatters to the helpers (Handlebars' `@data`, invisible to templates: validation refuses unknown `@` names). */
const FORMATTERS_KEY = 'comebackFormatters';

/**
 * Compile options shared by validation and rendering. Unknown helpers are compile errors rather
 * than runtime look-ups, and the built-ins that reach outside the catalog are switched off.
 */
export const KNOWN_HELPERS: Readonly<Record<string, boolean>> = {
  ...Object.fromEntries(FORMAT_HELPERS.map((name) => [name, true])),
  with: false,
  log: false,
  lookup: false,
};

/** Intl formatters for one locale, time zone and currency; built once and shared by every render that needs them. */
export class Formatters {
  private readonly dates: Record<DateStyle, Intl.DateTimeFormat>;
  private readonly numbers: Intl.NumberFormat;
  private readonly amounts: Intl.NumberFormat;
  private readonly plurals: Intl.PluralRules;

  constructor(
    readonly locale: string,
    readonly timeZone: string,
    readonly currency: string,
  ) {
    try {
      this.dates = Object.fromEntries(DATE_STYLES.map((style) => [style, new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone })])) as Record<
        DateStyle,
        Intl.DateTimeFormat
      >;
    } catch (err) {
      throw new TemplateError('invalid_render_options', `Unknown time zone '${timeZone}' or locale '${locale}': ${(err as Error).message}`);
    }
    try {
      // Whole amounts without ",00": every character counts in an SMS.
      this.amounts = new Intl.NumberFormat(locale, { style: 'currency', currency, trailingZeroDisplay: 'stripIfInteger' });
    } catch (err) {
      throw new TemplateError('invalid_render_options', `Unknown currency '${currency}': ${(err as Error).message}`);
    }
    this.numbers = new Intl.NumberFormat(locale);
    this.plurals = new Intl.PluralRules(locale);
  }

  date(value: unknown, style: DateStyle): string {
    const date = toDate(value);
    return date ? nfkc(this.dates[style].format(date)) : '';
  }

  number(value: unknown): string {
    const n = toNumber(value);
    return n === undefined ? '' : nfkc(this.numbers.format(n));
  }

  money(value: unknown): string {
    const n = toNumber(value);
    return n === undefined ? '' : nfkc(this.amounts.format(n));
  }

  /** The form for `value`'s plural category (else `other`), with `#` replaced by the number. */
  plural(value: unknown, forms: Readonly<Record<string, unknown>>): string {
    const n = toNumber(value);
    if (n === undefined) return '';
    const form = forms[this.plurals.select(n)] ?? forms.other;
    return typeof form === 'string' ? nfkc(form.replace(/#/g, this.numbers.format(n))) : '';
  }
}

const formattersCache = new Map<string, Formatters>();
/** Locale × time zone × currency combinations are few; the bound only guards against a caller passing garbage in a loop. */
const FORMATTERS_CACHE_LIMIT = 256;

export function formattersFor(locale: string, timeZone: string, currency: string): Formatters {
  const key = `${locale}\u0000${timeZone}\u0000${currency}`;
  let formatters = formattersCache.get(key);
  if (!formatters) {
    formatters = new Formatters(locale, timeZone, currency);
    if (formattersCache.size >= FORMATTERS_CACHE_LIMIT) formattersCache.clear();
    formattersCache.set(key, formatters);
  }
  return formatters;
}

/** The runtime options that hand `formatters` to the helpers. */
export function runtimeOptions(formatters: Formatters): Handlebars.RuntimeOptions {
  return { data: { [FORMATTERS_KEY]: formatters } };
}

function formattersOf(options: Handlebars.HelperOptions): Formatters {
  const formatters = (options.data as Record<string, unknown> | undefined)?.[FORMATTERS_KEY];
  if (!(formatters instanceof Formatters)) throw new Error('template rendered without formatters: use renderTemplate or compileTemplate');
  return formatters;
}

/** Handlebars passes the call's options last, after however many arguments the template gave. */
function splitArgs(args: unknown[]): [unknown[], Handlebars.HelperOptions] {
  return [args.slice(0, -1), args[args.length - 1] as Handlebars.HelperOptions];
}

engine.registerHelper('date', (...args: unknown[]) => {
  const [[value, style], options] = splitArgs(args);
  return formattersOf(options).date(value, (DATE_STYLES as readonly unknown[]).includes(style) ? (style as DateStyle) : 'medium');
});
engine.registerHelper('number', (...args: unknown[]) => {
  const [[value], options] = splitArgs(args);
  return formattersOf(options).number(value);
});
engine.registerHelper('money', (...args: unknown[]) => {
  const [[value], options] = splitArgs(args);
  return formattersOf(options).money(value);
});
engine.registerHelper('plural', (...args: unknown[]) => {
  const [[value], options] = splitArgs(args);
  return formattersOf(options).plural(value, options.hash);
});
for (const name of ['with', 'log', 'lookup']) engine.unregisterHelper(name);

function nfkc(text: string): string {
  return text.normalize('NFKC');
}

function toDate(value: unknown): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function toNumber(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
