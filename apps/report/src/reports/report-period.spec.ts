import { parseGrain, parsePage, parseReportPeriod, parseWindowDays, ReportPeriodError } from './report-period';
import { bucketsOf, histogramBins, medianOfCounts, planTiers } from './report-queries.service';

const TODAY = '2026-05-15';
const fieldOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof ReportPeriodError) return err.field;
    throw err;
  }
  return null;
};

describe('parseReportPeriod', () => {
  it('reads a month, a quarter and a year', () => {
    expect(parseReportPeriod({ period: '2026-10' }, TODAY)).toEqual({ from: '2026-10-01', to: '2026-10-31', kind: 'month' });
    expect(parseReportPeriod({ period: '2024-02' }, TODAY)).toEqual({ from: '2024-02-01', to: '2024-02-29', kind: 'month' });
    expect(parseReportPeriod({ period: '2026-Q3' }, TODAY)).toEqual({ from: '2026-07-01', to: '2026-09-30', kind: 'quarter' });
    expect(parseReportPeriod({ period: '2026-Q1' }, TODAY)).toEqual({ from: '2026-01-01', to: '2026-03-31', kind: 'quarter' });
    expect(parseReportPeriod({ period: '2025' }, TODAY)).toEqual({ from: '2025-01-01', to: '2025-12-31', kind: 'year' });
  });

  it('reads from and to (inclusive) as a custom period', () => {
    expect(parseReportPeriod({ from: '2026-01-10', to: '2026-02-20' }, TODAY)).toEqual({ from: '2026-01-10', to: '2026-02-20', kind: 'custom' });
    expect(parseReportPeriod({ from: '2026-01-10', to: '2026-01-10' }, TODAY)).toEqual({ from: '2026-01-10', to: '2026-01-10', kind: 'custom' });
    // Exactly five years is allowed; one day more is not.
    expect(parseReportPeriod({ from: '2021-01-01', to: '2025-12-31' }, TODAY).kind).toBe('custom');
    expect(fieldOf(() => parseReportPeriod({ from: '2021-01-01', to: '2026-01-01' }, TODAY))).toBe('to');
  });

  it('defaults to the twelve months ending today', () => {
    expect(parseReportPeriod({}, TODAY)).toEqual({ from: '2025-05-16', to: '2026-05-15', kind: 'custom' });
    expect(parseReportPeriod({ period: '', from: '' }, '2024-02-29')).toEqual({ from: '2023-03-01', to: '2024-02-29', kind: 'custom' });
  });

  it('refuses bad input with the field to correct', () => {
    expect(fieldOf(() => parseReportPeriod({ period: '2026-13' }, TODAY))).toBe('period');
    expect(fieldOf(() => parseReportPeriod({ period: '2026-Q5' }, TODAY))).toBe('period');
    expect(fieldOf(() => parseReportPeriod({ period: 'last-year' }, TODAY))).toBe('period');
    expect(fieldOf(() => parseReportPeriod({ period: '2026', from: '2026-01-01' }, TODAY))).toBe('period');
    expect(fieldOf(() => parseReportPeriod({ from: '2026-02-30', to: '2026-03-01' }, TODAY))).toBe('from');
    expect(fieldOf(() => parseReportPeriod({ from: '2026-01-01', to: '01/03/2026' }, TODAY))).toBe('to');
    expect(fieldOf(() => parseReportPeriod({ from: '2026-03-01', to: '2026-02-01' }, TODAY))).toBe('to');
    expect(fieldOf(() => parseReportPeriod({ from: '2026-03-01' }, TODAY))).toBe('to');
    expect(fieldOf(() => parseReportPeriod({ to: '2026-03-01' }, TODAY))).toBe('from');
    expect(() => parseReportPeriod({ period: 'x' }, TODAY)).toThrow(/is not a period/);
  });

  it('reads grain, window and page, refusing what is out of range', () => {
    expect([parseGrain(undefined), parseGrain('month'), parseGrain('quarter')]).toEqual(['month', 'month', 'quarter']);
    expect(fieldOf(() => parseGrain('week'))).toBe('grain');
    expect([parseWindowDays(undefined), parseWindowDays('30')]).toEqual([90, 30]);
    expect([fieldOf(() => parseWindowDays('0')), fieldOf(() => parseWindowDays('1.5')), fieldOf(() => parseWindowDays('999'))]).toEqual(['windowDays', 'windowDays', 'windowDays']);
    expect(parsePage({})).toEqual({ limit: 50, offset: 0 });
    expect(parsePage({ limit: '10', offset: '20' })).toEqual({ limit: 10, offset: 20 });
    expect([fieldOf(() => parsePage({ limit: '0' })), fieldOf(() => parsePage({ limit: '501' })), fieldOf(() => parsePage({ offset: '-1' }))]).toEqual(['limit', 'limit', 'offset']);
  });
});

describe('buckets of a period', () => {
  it('are calendar months or quarters clipped to the period', () => {
    expect(bucketsOf({ from: '2025-11-15', to: '2026-02-10' }, 'month')).toEqual([
      { bucket: '2025-11', from: '2025-11-15', to: '2025-11-30' },
      { bucket: '2025-12', from: '2025-12-01', to: '2025-12-31' },
      { bucket: '2026-01', from: '2026-01-01', to: '2026-01-31' },
      { bucket: '2026-02', from: '2026-02-01', to: '2026-02-10' },
    ]);
    expect(bucketsOf({ from: '2025-11-15', to: '2026-04-01' }, 'quarter')).toEqual([
      { bucket: '2025-Q4', from: '2025-11-15', to: '2025-12-31' },
      { bucket: '2026-Q1', from: '2026-01-01', to: '2026-03-31' },
      { bucket: '2026-Q2', from: '2026-04-01', to: '2026-04-01' },
    ]);
  });
});

describe('histogram bins', () => {
  it('take the smallest readable step giving at most 20 bins, and at least 10 bins', () => {
    // 0..1000: steps 1..25 need more than 20 bins; 50 needs 21; 100 needs 11.
    const wide = histogramBins([{ amount: 0, visits: 1 }, { amount: 1000, visits: 2 }]);
    expect(wide.map((b) => b.from)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(wide.map((b) => b.visits)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    // 30..80: step 5 -> 11 bins (30, 35, .., 80).
    expect(histogramBins([{ amount: 30, visits: 1 }, { amount: 80, visits: 1 }])).toHaveLength(11);
    // 12..60: 2 -> 25 bins; 2.5 is not a whole unit; 5 -> 11 bins from 10.
    expect(histogramBins([{ amount: 12, visits: 3 }, { amount: 60, visits: 1 }])[0]).toEqual({ from: 10, to: 15, visits: 3 });
    // 250..750: 25 -> 21 bins, 50 -> 11 bins.
    expect(histogramBins([{ amount: 250, visits: 1 }, { amount: 750, visits: 1 }]).map((b) => b.to - b.from)[0]).toBe(50);
    // One amount: ten bins of 1 from it.
    expect(histogramBins([{ amount: 50, visits: 4 }])).toEqual(Array.from({ length: 10 }, (_, i) => ({ from: 50 + i, to: 51 + i, visits: i === 0 ? 4 : 0 })));
    expect(histogramBins([])).toEqual([]);
  });

  it('plans whole months for the monthly rollups and the days around them for the daily ones', () => {
    expect(planTiers({ from: '2025-01-01', to: '2025-12-31' })).toEqual({ months: Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}-01`), dayFrom: [], dayTo: [] });
    expect(planTiers({ from: '2025-01-15', to: '2025-04-10' })).toEqual({ months: ['2025-02-01', '2025-03-01'], dayFrom: ['2025-01-15', '2025-04-01'], dayTo: ['2025-01-31', '2025-04-10'] });
    // February 2024 has 29 days; a range inside one month is days only.
    expect(planTiers({ from: '2024-02-01', to: '2024-02-29' })).toEqual({ months: ['2024-02-01'], dayFrom: [], dayTo: [] });
    expect(planTiers({ from: '2024-02-01', to: '2024-02-28' })).toEqual({ months: [], dayFrom: ['2024-02-01'], dayTo: ['2024-02-28'] });
    // A month the split day falls inside is read by day, merged with a partial neighbour.
    expect(planTiers({ from: '2025-01-01', to: '2025-04-30' }, { splitAfter: '2025-03-10' })).toEqual({ months: ['2025-01-01', '2025-02-01', '2025-04-01'], dayFrom: ['2025-03-01'], dayTo: ['2025-03-31'] });
    expect(planTiers({ from: '2025-01-01', to: '2025-03-20' }, { splitAfter: '2025-02-10' })).toEqual({ months: ['2025-01-01'], dayFrom: ['2025-02-01'], dayTo: ['2025-03-20'] });
    // A split on a month's last day leaves it whole.
    expect(planTiers({ from: '2025-01-01', to: '2025-02-28' }, { splitAfter: '2025-01-31' }).months).toEqual(['2025-01-01', '2025-02-01']);
    expect(planTiers({ from: '2025-01-01', to: '2025-02-28' }, { daily: true })).toEqual({ months: [], dayFrom: ['2025-01-01'], dayTo: ['2025-02-28'] });
  });

  it('takes the median of counted values as percentile_cont(0.5) does', () => {
    expect(medianOfCounts(new Map([[43, 1], [30, 1], [31, 1]]))).toBe(31);
    // 1 1 1 4: the mean of the two middle values.
    expect(medianOfCounts(new Map([[4, 1], [1, 3]]))).toBe(1);
    expect(medianOfCounts(new Map([[10, 2], [20, 2]]))).toBe(15);
    expect(medianOfCounts(new Map([[7, 0], [9, 1]]))).toBe(9);
    expect(medianOfCounts(new Map())).toBeNull();
  });
});
