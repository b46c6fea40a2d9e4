/**
 * Calendar days as integers (days since 1970-01-01), the unit of the cadence rule. A visit's day is
 * the date as written in the source: "2024-03-05T23:30:00+04:00" is day 2024-03-05, whatever the
 * offset, because the business wrote it in its own local time.
 */

const DAY_MS = 86_400_000;
/** What may follow the date: a time, with optional seconds, fraction and offset. */
const TIME_PART = /^[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

const digit = (text: string, i: number): number => {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
};

/**
 * Days from 1970-01-01 to year-month-day in the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil), without a Date object: a transactions file has millions of dates.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The day number of an ISO date or date-time, or null when the text is not one (or no such date). */
export function parseIsoDay(text: string): number | null {
  if (text.length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null;
  const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3);
  const month = digit(text, 5) * 10 + digit(text, 6);
  const day = digit(text, 8) * 10 + digit(text, 9);
  // NaN (a non-digit) fails every comparison below.
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) return null;
  if (text.length > 10 && !TIME_PART.test(text.slice(10))) return null;
  return daysFromCivil(year, month, day);
}

/** YYYY-MM-DD of a day number (a fractional day counts as the day it falls in). */
export function formatIsoDay(day: number): string {
  return new Date(Math.floor(day) * DAY_MS).toISOString().slice(0, 10);
}
