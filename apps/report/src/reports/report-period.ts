/**
 * The period a report covers: local dates of the organization (its timezone), both ends
 * inclusive. Parsed from the query string of the API and of the console's pages.
 */
export type Grain = 'month' | 'quarter';

export interface ReportPeriod {
  /** 'YYYY-MM-DD', inclusive. */
  from: string;
  /** 'YYYY-MM-DD', inclusive. */
  to: string;
  kind: 'month' | 'quarter' | 'year' | 'custom';
}

/** A query parameter a person can correct: which one, and what is wrong with it. */
export class ReportPeriodError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReportPeriodError';
  }
}

/** Longest custom period: five years (a longer one is a mistake, and an expensive one). */
export const MAX_PERIOD_YEARS = 5;

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses 'YYYY-MM-DD' as a calendar date, or null when it is not one (2026-02-30 is not). */
function parseDate(text: string): Date | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? d : null;
}

const iso = (d: Date) => d.toISOString().slice(0, 10);
const ymd = (y: number, m0: number, d: number) => iso(new Date(Date.UTC(y, m0, d)));

/** The same day `years` years and `months` months later, clamped to the month's end (Feb 29 + 1y = Feb 28). */
function addMonths(d: Date, months: number): Date {
  const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d.getUTCDate(), last)));
}

/** A query parameter's text (trimmed, empty as absent); repeated (`?period=a&period=b`, an array) it is bad input, not a crash. */
function oneValue(field: 'period' | 'from' | 'to', value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ReportPeriodError(field, 'give it once');
  return value.trim() || undefined;
}

/**
 * `period=2026-10` (a month), `2026-Q3` (a quarter), `2026` (a year); or `from=...&to=...`
 * (custom, inclusive). Without either: the 12 months ending today (today included, kind
 * 'custom'). Throws ReportPeriodError on a bad format, a date not in the calendar, from after to,
 * or a span over five years.
 */
export function parseReportPeriod(query: { period?: unknown; from?: unknown; to?: unknown }, today: string): ReportPeriod {
  const period = oneValue('period', query.period);
  const fromText = oneValue('from', query.from);
  const toText = oneValue('to', query.to);
  if (period !== undefined) {
    if (fromText !== undefined || toText !== undefined) throw new ReportPeriodError('period', 'give either period or from and to, not both');
    let m = /^(\d{4})-(\d{2})$/.exec(period);
    if (m) {
      const month = Number(m[2]);
      if (month < 1 || month > 12) throw new ReportPeriodError('period', `"${period}": the month must be 01 to 12`);
      return { from: ymd(Number(m[1]), month - 1, 1), to: ymd(Number(m[1]), month, 0), kind: 'month' };
    }
    m = /^(\d{4})-Q([1-4])$/i.exec(period);
    if (m) {
      const q = Number(m[2]);
      return { from: ymd(Number(m[1]), (q - 1) * 3, 1), to: ymd(Number(m[1]), q * 3, 0), kind: 'quarter' };
    }
    m = /^(\d{4})$/.exec(period);
    if (m) return { from: ymd(Number(m[1]), 0, 1), to: ymd(Number(m[1]), 11, 31), kind: 'year' };
    throw new ReportPeriodError('period', `"${period}" is not a period: use a month (2026-10), a quarter (2026-Q3) or a year (2026)`);
  }
  if (fromText === undefined && toText === undefined) {
    const end = parseDate(today);
    if (!end) throw new Error(`today "${today}" is not a date`);
    return { from: iso(new Date(addMonths(end, -12).getTime() + DAY_MS)), to: today, kind: 'custom' };
  }
  if (fromText === undefined) throw new ReportPeriodError('from', 'give from as well as to (YYYY-MM-DD)');
  if (toText === undefined) throw new ReportPeriodError('to', 'give to as well as from (YYYY-MM-DD)');
  const from = parseDate(fromText);
  if (!from) throw new ReportPeriodError('from', `"${fromText}" is not a date (YYYY-MM-DD)`);
  const to = parseDate(toText);
  if (!to) throw new ReportPeriodError('to', `"${toText}" is not a date (YYYY-MM-DD)`);
  if (from > to) throw new ReportPeriodError('to', `to (${toText}) is before from (${fromText})`);
  if (to >= addMonths(from, 12 * MAX_PERIOD_YEARS)) throw new ReportPeriodError('to', `a period can span at most ${MAX_PERIOD_YEARS} years`);
  return { from: fromText, to: toText, kind: 'custom' };
}

/** `grain=month|quarter`, month by default. */
export function parseGrain(value: string | undefined): Grain {
  if (value === undefined || value === '' || value === 'month') return 'month';
  if (value === 'quarter') return 'quarter';
  throw new ReportPeriodError('grain', `"${value}" is not a grain: use month or quarter`);
}

/** `windowDays=` for retention: whole days from 1 to 730, 90 by default. */
export function parseWindowDays(value: string | undefined): number {
  if (value === undefined || value === '') return 90;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 730) throw new ReportPeriodError('windowDays', `"${value}" is not a window: give whole days from 1 to 730`);
  return n;
}

/** `limit=` and `offset=` of a paged report: limit 1 to 500 (50 by default), offset 0 or more. */
export function parsePage(query: { limit?: string; offset?: string }): { limit: number; offset: number } {
  const limit = query.limit || '50';
  const offset = query.offset || '0';
  if (!/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > 500) throw new ReportPeriodError('limit', 'limit: give a whole number from 1 to 500');
  if (!/^\d{1,9}$/.test(offset)) throw new ReportPeriodError('offset', 'offset: give a whole number, 0 or more');
  return { limit: Number(limit), offset: Number(offset) };
}
