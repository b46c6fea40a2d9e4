import { zonedInstant } from '@comeback/campaigns';

/** Years a date typed into the console may have: JavaScript takes year 0000, PostgreSQL refuses it (a 500, not a 400). */
export const CALENDAR_YEARS = { from: 1900, to: 2100 } as const;

const realDay = (value: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
};

const inYears = (value: string): boolean => {
  const year = Number(value.slice(0, 4));
  return year >= CALENDAR_YEARS.from && year <= CALENDAR_YEARS.to;
};

/**
 * True for a real 'YYYY-MM-DD' date ('2026-02-30' is not one: Date would roll it over to March)
 * between 1900 and 2100.
 */
export function isCalendarDate(value: string): boolean {
  return realDay(value) && inYears(value);
}

/** Why isCalendarDate refuses a value, as a field's message. */
export function calendarDateError(value: unknown): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'must be a date YYYY-MM-DD';
  if (!realDay(value)) return 'is not a calendar date';
  return `must be a date between ${CALENDAR_YEARS.from} and ${CALENDAR_YEARS.to}`;
}

/** Why a typed date and time is refused: the English message, and its key (and parameters) in the console's catalogs. */
export interface LocalDateTimeProblem {
  message: string;
  key: string;
  params?: Record<string, string>;
}

/**
 * A local date and time typed into a `datetime-local` field (the organization's wall clock,
 * seconds ignored) as an instant, or why it cannot be one. Skipped and repeated wall times around
 * a clock change resolve as zonedInstant says.
 */
export function localDateTime(typed: string, timezone: string): { at: Date } | LocalDateTimeProblem {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d{1,3})?)?$/.exec(typed);
  if (!m) return { message: 'a date and time, e.g. 2026-12-01T10:00', key: 'form.problem.dateTime' };
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (mo < 1 || mo > 12 || probe.getUTCDate() !== d || h > 23 || mi > 59) return { message: 'is not a calendar date and time', key: 'form.problem.dateTimeNotReal' };
  if (y < CALENDAR_YEARS.from || y > CALENDAR_YEARS.to) {
    // The years as text: a number parameter would be formatted as one ("1,900").
    return { message: `must be a date between ${CALENDAR_YEARS.from} and ${CALENDAR_YEARS.to}`, key: 'form.problem.dateYears', params: { from: String(CALENDAR_YEARS.from), to: String(CALENDAR_YEARS.to) } };
  }
  return { at: zonedInstant(y, mo, d, h * 60 + mi, timezone) };
}
