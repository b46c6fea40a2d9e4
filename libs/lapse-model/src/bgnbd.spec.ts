import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  bgNbdLogLikelihood,
  type BgNbdParams,
  type BgNbdSummaries,
  expectedTransactions,
  expectedTransactionsUnconditional,
  fitBgNbd,
  pAlive,
  pAliveCrossingTime,
} from './bgnbd';
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import { simulateBgNbd } from './bgnbd-simulation';
import { cdnowDir } from './cdnow-data.fixture';

/** The published CDNOW summary, read plainly (the summary reader has its own spec). */
function cdnowSummaries(): BgNbdSummaries {
  const lines = readFileSync(path.join(cdnowDir(), 'cdnow_customers_summary.csv'), 'utf8').trim().split('\n').slice(1);
  const x = new Float64Array(lines.length);
  const tx = new Float64Array(lines.length);
  const T = new Float64Array(lines.length);
  lines.forEach((line, i) => {
    const [, f, r, t] = line.split(',').map(Number);
    x[i] = f;
    tx[i] = r;
    T[i] = t;
  });
  return { x, tx, T };
}

const sig3 = (v: number) => Number(v.toPrecision(3));
/** CLVTools' estimate on the same data (more digits than the paper). */
const CLVTOOLS: BgNbdParams = { r: 0.2425945, alpha: 4.4136019, a: 0.7929199, b: 2.4258881 };

describe('fitBgNbd on CDNOW (Fader, Hardie & Lee 2005)', () => {
  const summaries = cdnowSummaries();
  const fit = fitBgNbd(summaries);

  it('reproduces the published estimates and log-likelihood', () => {
    expect(summaries.x.length).toBe(2357);
    expect(fit.converged).toBe(true);
    expect([fit.r, fit.alpha, fit.a, fit.b].map(sig3)).toEqual([0.243, 4.41, 0.793, 2.43]);
    expect(fit.r).toBeCloseTo(0.243, 3);
    expect(fit.alpha).toBeCloseTo(4.414, 2);
    expect(fit.a).toBeCloseTo(0.793, 3);
    expect(fit.b).toBeCloseTo(2.426, 2);
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 1);
    // At the optimum: no better than CLVTools' own estimate by more than rounding.
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(bgNbdLogLikelihood(CLVTOOLS, summaries) - 1e-6);
  });

  it('scores customer 1 (x = 2, tx = 30.43, T = 38.86) as lifetimes does', () => {
    expect(pAlive(fit, 2, 30.43, 38.86)).toBeCloseTo(0.727, 3);
    expect(expectedTransactions(fit, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it('gets the same answer from any reasonable starting point', () => {
    const other = fitBgNbd(summaries, { initial: { r: 5, alpha: 0.5, a: 5, b: 0.2 } });
    expect(other.logLikelihood).toBeCloseTo(fit.logLikelihood, 5);
    expect(other.r).toBeCloseTo(fit.r, 4);
    expect(other.b).toBeCloseTo(fit.b, 2);
  });
});

describe('bgNbdLogLikelihood', () => {
  const summaries = cdnowSummaries();

  /** FHL eq. 6, row by row, the plain way. */
  const direct = ({ r, alpha, a, b }: BgNbdParams, s: BgNbdSummaries) => {
    let total = 0;
    for (let i = 0; i < s.x.length; i++) {
      const [x, tx, T] = [s.x[i], s.tx[i], s.T[i]];
      const common = gammaln(r + x) - gammaln(r) + r * Math.log(alpha) + betaln(a, b + x) - betaln(a, b);
      const stay = Math.exp(-(r + x) * Math.log(alpha + T));
      const left = x > 0 ? (a / (b + x - 1)) * Math.exp(-(r + x) * Math.log(alpha + tx)) : 0;
      total += common + Math.log(stay + left);
    }
    return total;
  };

  const truth: BgNbdParams = { r: 0.7, alpha: 3.5, a: 1.4, b: 2.2 };
  const continuous = simulateBgNbd(truth, { clients: 2000, seed: 11, minT: 5, maxT: 30 });
  const wholeDays = simulateBgNbd(truth, { clients: 2000, seed: 12, minT: 5, maxT: 30 });
  for (let i = 0; i < 2000; i++) {
    wholeDays.T[i] = Math.round(wholeDays.T[i]);
    wholeDays.tx[i] = Math.min(wholeDays.T[i], Math.round(wholeDays.tx[i]));
  }

  it('matches a direct row-by-row evaluation, with few distinct times (tabulated) or many', () => {
    for (const data of [continuous, wholeDays, summaries]) {
      const want = direct(truth, data);
      expect(Math.abs(bgNbdLogLikelihood(truth, data) - want)).toBeLessThan(1e-9 * Math.abs(want));
    }
  });

  it('has an analytic gradient that matches central finite differences, tabulated or not', () => {
    const points: BgNbdParams[] = [CLVTOOLS, { r: 1.3, alpha: 12, a: 0.4, b: 6 }, { r: 0.05, alpha: 0.8, a: 3, b: 0.6 }];
    for (const [p, data] of points.flatMap((p) => [summaries, continuous, wholeDays].map((d) => [p, d] as const))) {
      const g = new Float64Array(4);
      bgNbdLogLikelihood(p, data, g);
      const keys = ['r', 'alpha', 'a', 'b'] as const;
      keys.forEach((key, i) => {
        const h = p[key] * 1e-5;
        const up = bgNbdLogLikelihood({ ...p, [key]: p[key] + h }, data);
        const down = bgNbdLogLikelihood({ ...p, [key]: p[key] - h }, data);
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(g[i] - numeric)).toBeLessThan(1e-5 * Math.max(1, Math.abs(numeric)));
      });
    }
  });

  it('treats weight as multiplicity: grouped rows give the same likelihood and gradient', () => {
    const x = Float64Array.of(0, 0, 0, 3, 3, 1, 5, 0);
    const tx = Float64Array.of(0, 0, 0, 20, 20, 4, 30, 0);
    const T = Float64Array.of(38, 38, 30, 38, 38, 35, 39, 30);
    const grouped = { x: Float64Array.of(0, 0, 3, 1, 5), tx: Float64Array.of(0, 0, 20, 4, 30), T: Float64Array.of(38, 30, 38, 35, 39), weight: Float64Array.of(2, 2, 2, 1, 1) };
    expect(bgNbdLogLikelihood(CLVTOOLS, grouped)).toBeCloseTo(bgNbdLogLikelihood(CLVTOOLS, { x, tx, T }), 10);
    const gBig = new Float64Array(4);
    const gGrouped = new Float64Array(4);
    bgNbdLogLikelihood(CLVTOOLS, { x, tx, T }, gBig);
    bgNbdLogLikelihood(CLVTOOLS, grouped, gGrouped);
    gBig.forEach((v, i) => expect(gGrouped[i]).toBeCloseTo(v, 10));
  });

  it('rejects impossible rows', () => {
    const one = (x: number, tx: number, T: number) => ({ x: Float64Array.of(x), tx: Float64Array.of(tx), T: Float64Array.of(T) });
    expect(() => bgNbdLogLikelihood(CLVTOOLS, one(1.5, 1, 2))).toThrow(/whole number/);
    expect(() => bgNbdLogLikelihood(CLVTOOLS, one(1, 3, 2))).toThrow(/tx <= T/);
    expect(() => bgNbdLogLikelihood(CLVTOOLS, { ...one(1, 1, 2), weight: Float64Array.of(-1) })).toThrow(/weight/);
    expect(() => fitBgNbd({ x: new Float64Array(0), tx: new Float64Array(0), T: new Float64Array(0) })).toThrow(/no clients/);
  });
});

describe('fitBgNbd on simulated clients', () => {
  it('recovers the parameters that generated 200,000 clients', () => {
    const truth: BgNbdParams = { r: 0.6, alpha: 8, a: 0.9, b: 3 };
    const data = simulateBgNbd(truth, { clients: 200_000, seed: 7, minT: 26, maxT: 104 });
    const fit = fitBgNbd(data);
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.r / truth.r - 1)).toBeLessThan(0.05);
    expect(Math.abs(fit.alpha / truth.alpha - 1)).toBeLessThan(0.05);
    expect(Math.abs(fit.a / truth.a - 1)).toBeLessThan(0.1);
    expect(Math.abs(fit.b / truth.b - 1)).toBeLessThan(0.1);
  });

  it('is reproducible for a seed', () => {
    const p: BgNbdParams = { r: 0.3, alpha: 4, a: 0.8, b: 2.4 };
    expect(simulateBgNbd(p, { clients: 100, seed: 3, minT: 10, maxT: 20 })).toEqual(simulateBgNbd(p, { clients: 100, seed: 3, minT: 10, maxT: 20 }));
  });
});

describe('scoring with fitted parameters', () => {
  it('P(alive) is 1 without repeat purchases and falls with time since the last one', () => {
    expect(pAlive(CLVTOOLS, 0, 0, 38.86)).toBe(1);
    expect(pAlive(CLVTOOLS, 5, 20, 30)).toBeGreaterThan(pAlive(CLVTOOLS, 5, 20, 35));
    // Right at the last purchase it is 1 / (1 + a / (b + x - 1)).
    expect(pAlive(CLVTOOLS, 3, 20, 20)).toBeCloseTo(1 / (1 + CLVTOOLS.a / (CLVTOOLS.b + 2)), 12);
  });

  it('pAliveCrossingTime is where P(alive) reaches p', () => {
    for (const [x, tx, p] of [
      [1, 2, 0.5],
      [2, 30.43, 0.3],
      [12, 35, 0.5],
      [40, 10, 0.01],
    ]) {
      const T = pAliveCrossingTime(CLVTOOLS, x, tx, p);
      expect(T).toBeGreaterThan(tx);
      expect(pAlive(CLVTOOLS, x, tx, T)).toBeCloseTo(p, 10);
    }
    expect(pAliveCrossingTime(CLVTOOLS, 0, 0, 0.5)).toBe(Infinity);
    // Already below p at the last purchase: from tx on.
    expect(pAliveCrossingTime(CLVTOOLS, 1, 5, 0.9)).toBe(5);
    expect(() => pAliveCrossingTime(CLVTOOLS, 1, 5, 1)).toThrow(RangeError);
  });

  it('expected purchases match a 40-digit evaluation of the paper formulas (mpmath)', () => {
    expect(expectedTransactions(CLVTOOLS, 39, 2, 30.43, 38.86)).toBeCloseTo(1.2259057045100396, 12);
    expect(expectedTransactions(CLVTOOLS, 39, 0, 0, 38.86)).toBeCloseTo(0.19478194712418164, 12);
    expect(expectedTransactions(CLVTOOLS, 52, 25, 37.5, 38.86)).toBeCloseTo(20.648636005026712, 10);
    expect(expectedTransactions({ r: 1.5, alpha: 20, a: 3.2, b: 8.1 }, 400, 7, 150, 200)).toBeCloseTo(1.9273492286017537, 12);
    expect(expectedTransactionsUnconditional(CLVTOOLS, 78)).toBeCloseTo(1.8579560091180785, 12);
    expect(expectedTransactionsUnconditional(CLVTOOLS, 1000)).toBeCloseTo(6.5728979700300462, 10);
    // a = 1 is a removable 0/0 in the formula.
    expect(expectedTransactions({ r: 0.5, alpha: 10, a: 1, b: 2 }, 30, 3, 20, 40)).toBeCloseTo(0.69641773498926712, 8);
    expect(expectedTransactions(CLVTOOLS, 0, 2, 30.43, 38.86)).toBe(0);
  });

  it('a client just acquired (x = 0, T = 0) expects what the unconditional formula says', () => {
    for (const t of [1, 10, 52, 200]) {
      expect(expectedTransactions(CLVTOOLS, t, 0, 0, 0)).toBeCloseTo(expectedTransactionsUnconditional(CLVTOOLS, t), 12);
    }
  });
});
