/**
 * Quiet hours: when a text or a call may reach a client, in the client's own timezone. A message
 * due outside the allowed hours is delayed to the next time they open, never dropped.
 */

export interface AllowedHours {
  /** Local time the window opens, HH:MM. */
  from: string;
  /** Local time it closes, HH:MM (exclusive); earlier than `from` for a window across midnight. */
  to: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per timezone: a campaign asks this for every recipient, and building one costs ~50 µs. */
function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timezone, f);
  }
  return f;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  minuteOfDay: number;
  second: number;
}

function localTime(at: Date, timezone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timezone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year, month: parts.month, day: parts.day, minuteOfDay: parts.hour * 60 + parts.minute, second: parts.second };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The timezone's offset from UTC at an instant, in milliseconds. */
function offsetAt(at: Date, timezone: string): number {
  const t = localTime(at, timezone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, Math.floor(t.minuteOfDay / 60), t.minuteOfDay % 60, t.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * The instant a local wall-clock time happens in a timezone. When a clock change skips that time
 * (spring forward), the instant just after the gap; when it repeats (fall back), the first one.
 */
export function zonedInstant(year: number, month: number, day: number, minuteOfDay: number, timezone: string): Date {
  const wall = Date.UTC(year, month - 1, day, Math.floor(minuteOfDay / 60), minuteOfDay % 60);
  // Two rounds settle the offset on either side of a change; the earlier candidate wins for a repeat.
  const first = wall - offsetAt(new Date(wall), timezone);
  const second = wall - offsetAt(new Date(first), timezone);
  const candidates = [first, second].filter((c) => {
    const t = localTime(new Date(c), timezone);
    return Date.UTC(t.year, t.month - 1, t.day, Math.floor(t.minuteOfDay / 60), t.minuteOfDay % 60) === wall;
  });
  if (candidates.length) return new Date(Math.min(...candidates));
  // The wall time does not exist (a gap): the later offset lands just past the gap.
  return new Date(Math.max(first, second));
}

/** Whether a local minute of the day falls in the window. */
function inWindow(minute: number, hours: AllowedHours): boolean {
  const from = minutesOf(hours.from);
  const to = minutesOf(hours.to);
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/**
 * `at` itself when it falls within the allowed hours in `timezone`, otherwise the next instant they
 * open (the next local `from`).
 */
export function nextAllowedAt(at: Date, timezone: string, hours: AllowedHours): Date {
  const t = localTime(at, timezone);
  if (inWindow(t.minuteOfDay, hours)) return at;
  const from = minutesOf(hours.from);
  // Today's opening if it is still ahead, otherwise tomorrow's (calendar arithmetic in UTC on the local date).
  const addDays = t.minuteOfDay < from ? 0 : 1;
  const date = new Date(Date.UTC(t.year, t.month - 1, t.day + addDays));
  return zonedInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), from, timezone);
}
