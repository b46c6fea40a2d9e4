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
