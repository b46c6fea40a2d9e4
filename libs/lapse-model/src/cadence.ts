/**
 * The cadence rule: each client is judged against their own rhythm of visits, not against one
 * threshold for everybody. A weekly client gone six weeks has lapsed; a twice-a-year client gone
 * eight months has not.
 *
 * The lead implements the same rule in SQL for the nightly sweep, so the semantics below are a
 * contract: change them in both places or in neither.
 *
 * Days are integers (days since 1970-01-01 of the client's local calendar date). Only days on or
 * before `asOfDay` count, and several visits on one day count once.
 *
 * - n = number of distinct visit days; gaps = differences between consecutive distinct days.
 * - usual gap g = max(gapFloorDays, median of the most recent `rhythmWindow` gaps); the median of
 *   an even count is the mean of the two middle values (PostgreSQL `percentile_cont(0.5)`). With no
 *   gap at all (one visit) g = gapFloorDays.
 * - daysSinceLast = asOfDay - lastDay.
 * - status: `new` when n < minVisits or lastDay - firstDay < minTenureDays; else `lapsed` when
 *   daysSinceLast > lapsedFactor * g; else `at_risk` when daysSinceLast > atRiskFactor * g; else
 *   `active`.
 * - expectedNextVisitDay = lastDay + g; daysOverdue = max(0, daysSinceLast - g);
 *   score = daysSinceLast / g; atRiskFromDay = lastDay + floor(atRiskFactor * g) + 1 (the first day
 *   on which the status is at_risk), lapsedFromDay = lastDay + floor(lapsedFactor * g) + 1.
 * - gradual = at least 5 gaps and mean(last 3 gaps) >= gradualRatio * median(all earlier gaps):
 *   the client is drifting away (visits spacing out) rather than stopping at once.
 */

export type LapseStatus = 'active' | 'at_risk' | 'lapsed' | 'new';

export interface CadenceSettings {
  minVisits: number;
  minTenureDays: number;
  rhythmWindow: number;
  gapFloorDays: number;
  atRiskFactor: number;
  lapsedFactor: number;
  gradualRatio: number;
}

export const DEFAULT_CADENCE_SETTINGS: Readonly<CadenceSettings> = Object.freeze({
  // Three visits give two gaps: the least from which "their usual gap" means anything.
  minVisits: 3,
  // Two months of history before judging: a burst of visits in the first weeks (a course of
  // treatment, a trial month) is not yet a rhythm.
  minTenureDays: 60,
  // The last 12 gaps: about a year for a monthly client, so a rhythm that changed long ago (a
  // client who moved from weekly to monthly) is judged by how they come now.
  rhythmWindow: 12,
  // Nobody is "late" after a few days: a client who came daily for a week is not at risk on day 3.
  gapFloorDays: 7,
  // Twice the usual gap: one skipped visit is ordinary (a holiday, an illness), two are a signal.
  atRiskFactor: 2,
  // Three times the usual gap: two visits missed in a row; worth asking why.
  lapsedFactor: 3,
  // Recent gaps half as long again as before: visits are thinning out, not just one late visit.
  gradualRatio: 1.5,
});

export interface CadenceResult {
  status: LapseStatus;
  /** Distinct visit days on or before asOfDay. */
  visits: number;
  firstDay: number;
  lastDay: number;
  /** g, in days (may end in .5: the median of an even count). */
  usualGap: number;
  daysSinceLast: number;
  /** lastDay + g; fractional when g is. */
  expectedNextVisitDay: number;
  daysOverdue: number;
  score: number;
  atRiskFromDay: number;
  lapsedFromDay: number;
  gradual: boolean;
}

/** Median with the even-count convention of percentile_cont(0.5). `values` is sorted in place. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  values.sort((p, q) => p - q);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

/** Sorted distinct days on or before asOfDay (the input may be unsorted, with repeats). */
export function distinctDaysUpTo(days: ArrayLike<number>, asOfDay: number): number[] {
  const kept: number[] = [];
  for (let i = 0; i < days.length; i++) if (days[i] <= asOfDay) kept.push(days[i]);
  kept.sort((p, q) => p - q);
  let n = 0;
  for (let i = 0; i < kept.length; i++) if (i === 0 || kept[i] !== kept[n - 1]) kept[n++] = kept[i];
  kept.length = n;
  return kept;
}

/** True when the client has enough history to be judged at all (else their status is `new`). */
export function isEstablished(visits: number, tenureDays: number, settings: Pick<CadenceSettings, 'minVisits' | 'minTenureDays'>): boolean {
  return visits >= settings.minVisits && tenureDays >= settings.minTenureDays;
}

/**
 * Scores one client's visit days as of `asOfDay` with the rule above; `null` when the client has
 * no visit on or before that day (they are not a client yet).
 */
export function scoreCadence(days: ArrayLike<number>, asOfDay: number, settings: CadenceSettings = DEFAULT_CADENCE_SETTINGS): CadenceResult | null {
  const d = distinctDaysUpTo(days, asOfDay);
  const n = d.length;
  if (n === 0) return null;
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(d[i] - d[i - 1]);

  const recent = gaps.slice(Math.max(0, gaps.length - settings.rhythmWindow));
  const g = recent.length ? Math.max(settings.gapFloorDays, median(recent)) : settings.gapFloorDays;
  const firstDay = d[0];
  const lastDay = d[n - 1];
  const daysSinceLast = asOfDay - lastDay;

  let status: LapseStatus;
  if (!isEstablished(n, lastDay - firstDay, settings)) status = 'new';
  else if (daysSinceLast > settings.lapsedFactor * g) status = 'lapsed';
  else if (daysSinceLast > settings.atRiskFactor * g) status = 'at_risk';
  else status = 'active';

  let gradual = false;
  if (gaps.length >= 5) {
    const last3 = gaps.slice(-3);
    const before = gaps.slice(0, -3);
    gradual = (last3[0] + last3[1] + last3[2]) / 3 >= settings.gradualRatio * median(before);
  }

  return {
    status,
    visits: n,
    firstDay,
    lastDay,
    usualGap: g,
    daysSinceLast,
    expectedNextVisitDay: lastDay + g,
    daysOverdue: Math.max(0, daysSinceLast - g),
    score: daysSinceLast / g,
    atRiskFromDay: lastDay + Math.floor(settings.atRiskFactor * g) + 1,
    lapsedFromDay: lastDay + Math.floor(settings.lapsedFactor * g) + 1,
    gradual,
  };
}
