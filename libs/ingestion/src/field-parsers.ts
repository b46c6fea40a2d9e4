import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Field parsers turn one raw text value into the value stored, or say what is wrong with it.
 * They run once per field of every imported row (tens of millions), so they avoid exceptions,
 * allocations and regular expressions where a cheaper check does, and cache what repeats
 * (locales, time zones).
 */
export class Invalid {
  constructor(readonly message: string) {}
}

/** null = empty / not given. */
export type Parsed = string | null | Invalid;

export interface ParseContext {
  /** ISO 3166-1 alpha-2 country used to read national phone numbers. */
  country: string;
}

export type FieldParser = (raw: string, ctx: ParseContext) => Parsed;

const NON_ASCII = /[^\x20-\x7e]/;
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/**
 * True when every character is printable ASCII (space to ~): such text is already NFKC and has no
 * control characters. One pass of char codes; most ids, codes and e-mail addresses take it.
 */
function printableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** NFKC and trimmed; printable ASCII is already NFKC, so only the rest pays for normalize(). */
export function cleanText(raw: string): string {
  if (printableAscii(raw)) return raw.length && (raw.charCodeAt(0) === 32 || raw.charCodeAt(raw.length - 1) === 32) ? raw.trim() : raw;
  const t = raw.trim();
  return NON_ASCII.test(t) ? t.normalize('NFKC').trim() : t;
}

function quoted(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw);
}

export function textParser(maxLength: number): FieldParser {
  return (raw) => {
    const v = cleanText(raw);
    if (v === '') return null;
    if (v.length > maxLength) return new Invalid(`is longer than ${maxLength} characters`);
    if (!printableAscii(v) && CONTROL.test(v)) return new Invalid('contains control characters');
    return v;
  };
}

/** Free text such as a name: also folds runs of white space into one space. */
export function nameParser(maxLength: number): FieldParser {
  const text = textParser(maxLength);
  return (raw, ctx) => {
    const v = text(raw, ctx);
    return typeof v === 'string' ? v.replace(/\s+/g, ' ') : v;
  };
}

export const externalId: FieldParser = textParser(200);

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isDigit = (c: number) => c >= 48 && c <= 57;

/** Reads `len` digits at `at` as a number, or -1 when one of them is not a digit. */
function digits(v: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = v.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Index after a valid offset (`Z`, `+04`, `+0400`, `+04:00`) starting at `at`, or -1. */
function offsetEnd(v: string, at: number): number {
  const c = v.charCodeAt(at);
  if (c === 90 /* Z */) return at + 1;
  if (c !== 43 && c !== 45) return -1;
  if (digits(v, at + 1, 2) < 0) return -1;
  if (at + 3 === v.length) return at + 3;
  const colon = v.charCodeAt(at + 3) === 58 ? 1 : 0;
  return digits(v, at + 3 + colon, 2) < 0 ? -1 : at + 5 + colon;
}

/**
 * ISO 8601 date or date-time. With an offset (`Z`, `+04:00`) it is an instant; without one it is
 * read in the organization's time zone (PostgreSQL does that on COPY, with the session TimeZone
 * set to the organization's). Validated here so a bad value names its line instead of failing
 * the whole COPY. Parsed by character codes: this runs for every one of millions of rows, and a
 * regular expression with capture groups made most of the garbage of an import.
 */
export const timestamp: FieldParser = (raw) => {
  const v = raw.length && (raw.charCodeAt(0) === 32 || raw.charCodeAt(raw.length - 1) === 32) ? raw.trim() : raw;
  if (v === '') return null;
  const bad = () => new Invalid(`${quoted(v)} is not an ISO 8601 date-time (e.g. 2024-03-05T14:30:00Z or 2024-03-05 14:30)`);
  if (v.length < 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return bad();
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  if (year < 0 || month < 0 || day < 0) return bad();
  let i = 10;
  if (i < v.length && (v.charCodeAt(i) === 84 /* T */ || v.charCodeAt(i) === 32)) {
    const hour = digits(v, i + 1, 2);
    const minute = v.charCodeAt(i + 3) === 58 ? digits(v, i + 4, 2) : -1;
    if (hour < 0 || minute < 0) return bad();
    i += 6;
    let second = 0;
    if (v.charCodeAt(i) === 58) {
      second = digits(v, i + 1, 2);
      if (second < 0) return bad();
      i += 3;
      if (v.charCodeAt(i) === 46 /* . */) {
        let j = i + 1;
        while (j < v.length && isDigit(v.charCodeAt(j))) j++;
        if (j === i + 1 || j - i - 1 > 6) return bad();
        i = j;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return new Invalid(`${quoted(v)} is not a time of day`);
  }
  if (i < v.length) {
    i = offsetEnd(v, i);
    if (i !== v.length) return bad();
  }
  if (year < 1900 || year > 2200) return new Invalid(`${quoted(v)} has a year outside 1900-2200`);
  if (month < 1 || month > 12) return new Invalid(`${quoted(v)} has no month ${month}`);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day < 1 || day > DAYS_IN_MONTH[month - 1] || (month === 2 && day === 29 && !leap)) {
    return new Invalid(`${quoted(v)} is not a day of the calendar`);
  }
  return v;
};

const MONEY = /^\d{1,10}(?:\.\d{1,2})?$/;

/** A non-negative amount with at most two decimals, `.` as the decimal separator. */
export const money: FieldParser = (raw) => {
  const v = raw.trim();
  if (v === '') return null;
  if (!MONEY.test(v)) return new Invalid(`${quoted(v)} is not an amount (digits, optional "." and up to 2 decimals, e.g. 85.50)`);
  return v;
};

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

const isUpper = (c: number) => c >= 65 && c <= 90;

export const currency: FieldParser = (raw) => {
  // Fast path, no allocation: already three capital letters.
  if (raw.length === 3 && isUpper(raw.charCodeAt(0)) && isUpper(raw.charCodeAt(1)) && isUpper(raw.charCodeAt(2)) && KNOWN_CURRENCIES.has(raw)) {
    return raw;
  }
  const v = raw.trim().toUpperCase();
  if (v === '') return null;
  if (!KNOWN_CURRENCIES.has(v)) return new Invalid(`${quoted(raw)} is not an ISO 4217 currency code`);
  return v;
};

/**
 * A parser for values with few distinct spellings (locales, time zones): each distinct input is
 * worked out once with `resolve` (which may throw to reject it) and remembered.
 */
function cachedParser(resolve: (v: string) => string, reject: (v: string) => string): FieldParser {
  const cache = new Map<string, Parsed>();
  return (raw) => {
    const v = raw.trim();
    if (v === '') return null;
    let out = cache.get(v);
    if (out === undefined) {
      try {
        out = resolve(v);
      } catch {
        out = new Invalid(reject(v));
      }
      if (cache.size < 10_000) cache.set(v, out);
    }
    return out;
  };
}

/** A BCP 47 language tag, canonicalised (`EN-gb` → `en-GB`). */
export const locale: FieldParser = cachedParser(
  (v) => {
    const tag = Intl.getCanonicalLocales(v.replace(/_/g, '-'))[0];
    if (!tag) throw new RangeError('no tag');
    return tag;
  },
  (v) => `${quoted(v)} is not a BCP 47 language tag (e.g. en, ka, tr-TR)`,
);

/** An IANA time zone (`Asia/Tbilisi`), in its canonical spelling. */
export const timeZone: FieldParser = cachedParser(
  (v) => new Intl.DateTimeFormat('en-US', { timeZone: v }).resolvedOptions().timeZone,
  (v) => `${quoted(v)} is not an IANA time zone (e.g. Asia/Tbilisi)`,
);

export function isTimeZone(v: string): boolean {
  return typeof timeZone(v, { country: 'US' }) === 'string';
}

const EMAIL = /^[^\s@"<>(),;:\\]+@[^\s@"<>(),;:\\]+\.[^\s@"<>(),;:\\]+$/u;

/** An e-mail address; the domain is lower-cased (the local part is the mailbox's own business). */
export const email: FieldParser = (raw) => {
  const v = cleanText(raw);
  if (v === '') return null;
  if (v.length > 254 || !EMAIL.test(v)) return new Invalid(`${quoted(v)} is not an e-mail address`);
  const at = v.lastIndexOf('@');
  return v.slice(0, at + 1) + v.slice(at + 1).toLowerCase();
};

/**
 * A phone number, stored in E.164. National numbers are read with the organization's country.
 * Uses libphonenumber's full metadata, so a number of the right length but an impossible range
 * is refused rather than stored half-right.
 */
export const phone: FieldParser = (raw, ctx) => {
  const v = cleanText(raw);
  if (v === '') return null;
  const parsed = parsePhoneNumberFromString(v, ctx.country as CountryCode);
  if (!parsed || !parsed.isValid()) {
    return new Invalid(`${quoted(v)} is not a valid phone number (read with country ${ctx.country}; write foreign numbers with their +country code)`);
  }
  return parsed.number;
};

const CONSENT_WORDS: Record<string, 'granted' | 'revoked'> = {
  granted: 'granted', yes: 'granted', y: 'granted', true: 'granted', '1': 'granted', 'opt-in': 'granted', optin: 'granted',
  revoked: 'revoked', no: 'revoked', n: 'revoked', false: 'revoked', '0': 'revoked', 'opt-out': 'revoked', optout: 'revoked',
};

/** Consent to a channel: granted / revoked (yes/no, true/false, 1/0 too); empty = not stated. */
export const consent: FieldParser = (raw) => {
  const v = raw.trim().toLowerCase();
  if (v === '' || v === 'unknown') return null;
  return CONSENT_WORDS[v] ?? new Invalid(`${quoted(raw)} is not a consent value (granted or revoked; yes/no, true/false, 1/0 also work)`);
};

export const paymentStatus: FieldParser = (raw) => {
  const v = raw.trim().toLowerCase();
  if (v === '') return null;
  if (v === 'succeeded' || v === 'failed' || v === 'cancelled' || v === 'canceled') return v === 'canceled' ? 'cancelled' : v;
  return new Invalid(`${quoted(raw)} is not a payment status (succeeded, failed or cancelled)`);
};
