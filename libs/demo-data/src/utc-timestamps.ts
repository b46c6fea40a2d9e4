/**
 * ISO 8601 UTC timestamps without a Date per row: a visit time is a day (days since 1970-01-01)
 * plus a quarter-hour slot, so the text is a precomputed "YYYY-MM-DDT" for the day joined to a
 * precomputed "HH:MM:00Z" for the slot. Twenty million `toISOString()` calls would cost more than
 * generating the rest of the rows.
 */
export const MS_PER_DAY = 86_400_000;
const MINUTES_PER_DAY = 1440;
const SLOT_MINUTES = 15;

/** "YYYY-MM-DDT" for each day of a fixed range. */
export class DayTexts {
  private readonly texts: string[];

  constructor(
    private readonly firstDay: number,
    dayCount: number,
  ) {
    this.texts = Array.from({ length: dayCount }, (_, i) => new Date((firstDay + i) * MS_PER_DAY).toISOString().slice(0, 11));
  }

  of(day: number): string {
    const text = this.texts[day - this.firstDay];
    if (text === undefined) throw new RangeError(`Day ${day} is outside the precomputed range`);
    return text;
  }
}

/** "HH:MM:00Z" for a minute of the UTC day (a multiple of 15 in practice). */
export function timeOfDayText(minuteOfDay: number): string {
  const hours = Math.floor(minuteOfDay / 60);
  const minutes = minuteOfDay % 60;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}:00Z`;
}

/**
 * Quarter-hour slots of the clinic's local opening hours translated to UTC. A slot may fall on the
 * previous or next UTC day when the offset is large; `dayShift` says by how much.
 */
export class ClinicSlots {
  /** "HH:MM:00Z" of each slot. */
  readonly utcTexts: readonly string[];
  /** -1, 0 or +1: UTC day minus local day for each slot. */
  readonly dayShift: Int8Array;
  readonly count: number;

  constructor(openingMinute: number, closingMinute: number, utcOffsetMinutes: number) {
    this.count = Math.floor((closingMinute - openingMinute) / SLOT_MINUTES);
    const texts: string[] = [];
    this.dayShift = new Int8Array(this.count);
    for (let slot = 0; slot < this.count; slot++) {
      const utcMinute = openingMinute + slot * SLOT_MINUTES - utcOffsetMinutes;
      const shift = Math.floor(utcMinute / MINUTES_PER_DAY);
      this.dayShift[slot] = shift;
      texts.push(timeOfDayText(utcMinute - shift * MINUTES_PER_DAY));
    }
    this.utcTexts = texts;
  }

  /** The largest forward day shift (0 or 1): the last local day usable before a UTC cut-off shrinks by it. */
  get maxDayShift(): number {
    return Math.max(0, ...this.dayShift);
  }
}
