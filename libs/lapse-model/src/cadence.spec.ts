import { DEFAULT_CADENCE_SETTINGS, median, scoreCadence } from './cadence';

/** `count` visit days starting at `start`, `gap` days apart. */
const every = (start: number, gap: number, count: number): number[] => Array.from({ length: count }, (_, i) => start + i * gap);
/** Visit days from a first day and a list of gaps. */
const fromGaps = (start: number, gaps: number[]): number[] => gaps.reduce((days, gap) => [...days, days[days.length - 1] + gap], [start]);

const score = (days: number[], asOfDay: number, settings = DEFAULT_CADENCE_SETTINGS) => {
  const r = scoreCadence(days, asOfDay, settings);
  if (!r) throw new Error('expected a result');
  return r;
};

describe('scoreCadence', () => {
  it('a weekly client gone six weeks has lapsed', () => {
    const days = every(1000, 7, 20);
    const r = score(days, days[days.length - 1] + 42);
    expect(r.usualGap).toBe(7);
    expect(r.daysSinceLast).toBe(42);
    expect(r.status).toBe('lapsed');
    expect(r.score).toBe(6);
    expect(r.daysOverdue).toBe(35);
    expect(r.expectedNextVisitDay).toBe(days[days.length - 1] + 7);
  });

  it('a monthly client gone six weeks is still active, and at risk from day 61', () => {
    const days = every(1000, 30, 12);
    const last = days[days.length - 1];
    expect(score(days, last + 42).status).toBe('active');
    expect(score(days, last + 60).status).toBe('active');
    expect(score(days, last + 61).status).toBe('at_risk');
    expect(score(days, last + 90).status).toBe('at_risk');
    expect(score(days, last + 91).status).toBe('lapsed');
    const r = score(days, last + 42);
    expect(r.atRiskFromDay).toBe(last + 61);
    expect(r.lapsedFromDay).toBe(last + 91);
    expect(r.daysOverdue).toBe(12);
  });

  it('a twice-a-year client gone eight months is active', () => {
    const days = every(1000, 182, 6);
    const r = score(days, days[days.length - 1] + 243);
    expect(r.usualGap).toBe(182);
    expect(r.status).toBe('active');
    expect(r.daysOverdue).toBe(61);
  });

  it('floors the usual gap at gapFloorDays', () => {
    // A daily client for ten weeks: g is 7 days, not 1.
    const days = every(1000, 1, 70);
    const last = days[days.length - 1];
    const r = score(days, last + 10);
    expect(r.usualGap).toBe(7);
    expect(r.status).toBe('active');
    expect(score(days, last + 14).status).toBe('active');
    expect(score(days, last + 15).status).toBe('at_risk');
    expect(score(days, last + 22).status).toBe('lapsed');
  });

  it('takes the median of the most recent gaps, averaging the middle two for an even count', () => {
    // Odd: 3 gaps (window not reached) -> middle one.
    const odd = fromGaps(0, [10, 40, 30]);
    // Tenure must reach 60 days; 80 here.
    expect(score(odd, 100).usualGap).toBe(30);
    const even = fromGaps(0, [10, 40, 20, 30]);
    expect(score(even, 110).usualGap).toBe(25);
    // Only the last 12 of 15 gaps count: three old 100-day gaps are forgotten.
    const changed = fromGaps(0, [100, 100, 100, ...Array<number>(12).fill(10)]);
    expect(score(changed, changed[changed.length - 1]).usualGap).toBe(10);
    // With a window of 13 one old gap is in: 13 values, median still 10.
    expect(score(changed, 500, { ...DEFAULT_CADENCE_SETTINGS, rhythmWindow: 13 }).usualGap).toBe(10);
    // Even window with a fractional result: 11 and 12 in the middle of 10, 11, 12, 50.
    const frac = fromGaps(0, [9, 10, 11, 12, 50]);
    const r = score(frac, 200, { ...DEFAULT_CADENCE_SETTINGS, rhythmWindow: 4 });
    expect(r.usualGap).toBe(11.5);
    expect(r.atRiskFromDay).toBe(92 + 23 + 1);
    expect(r.lapsedFromDay).toBe(92 + 34 + 1);
  });

  it('counts same-day visits once and ignores visits after asOfDay', () => {
    const days = [1000, 1000, 1030, 1060, 1060, 1090, 1500];
    const r = score(days, 1100);
    expect(r.visits).toBe(4);
    expect(r.lastDay).toBe(1090);
    expect(r.usualGap).toBe(30);
    expect(score([1090, 1000, 1060, 1030], 1100)).toEqual(r);
    expect(scoreCadence([1500], 1100)).toBeNull();
  });

  it('flags a gradual drift: at least 5 gaps and the last three much longer than before', () => {
    const drifting = fromGaps(0, [7, 7, 7, 7, 7, 12, 10, 10]);
    // mean(12,10,10) = 10.67 >= 1.5 * 7
    expect(score(drifting, 70).gradual).toBe(true);
    const steady = fromGaps(0, [7, 7, 7, 7, 7, 7, 8, 9]);
    expect(score(steady, 70).gradual).toBe(false);
    // Exactly at the ratio counts: mean(12, 12, 12) = 1.5 * median(8, 8); just under does not.
    expect(score(fromGaps(0, [8, 8, 12, 12, 12]), 80).gradual).toBe(true);
    expect(score(fromGaps(0, [8, 8, 12, 12, 11]), 80).gradual).toBe(false);
    // Four gaps are too few to tell.
    expect(score(fromGaps(0, [7, 30, 30, 30]), 120).gradual).toBe(false);
  });

  it('calls a client new with too few visits or too short a history', () => {
    expect(score([1000, 1100], 1110).status).toBe('new');
    // Three visits within 40 days, then gone a year: still new (no rhythm to judge by).
    const short = score([1000, 1020, 1040], 1400);
    expect(short.status).toBe('new');
    expect(short.usualGap).toBe(20);
    // One visit: g is the floor.
    expect(score([1000], 1000).usualGap).toBe(7);
    // Tenure of exactly 60 days is enough.
    expect(score([1000, 1030, 1060], 1070).status).toBe('active');
    expect(score([1000, 1030, 1059], 1070).status).toBe('new');
  });
});

describe('median', () => {
  it('matches percentile_cont(0.5)', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5])).toBe(5);
    expect(median([])).toBeNaN();
  });
});
