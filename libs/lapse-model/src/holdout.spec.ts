import { tempDir } from '@comeback/testing';
import { parseIsoDay } from './calendar-day';
import { cdnowTransactionsCsv } from './cdnow-data.fixture';
import { holdoutComparison } from './holdout';
import { LapseInputError } from './lapse-input.error';
import { scoreClients } from './lapse-scoring';
import { ClientHistories, readTransactions } from './transactions';

const dir = tempDir();
afterAll(() => dir.remove());
const CAL = 20_000;
const END = CAL + 180;
const client = (id: string, days: number[]) => ({ id, days });
const every = (start: number, gap: number, count: number) => Array.from({ length: count }, (_, i) => start + i * gap);

/** A population whose cadence outcome is known client by client. */
const histories = ClientHistories.fromLists([
  // Weekly, gone six weeks at the calibration end, never back: lapsed and right (tp).
  client('gone-weekly', every(CAL - 42 - 7 * 19, 7, 20)),
  // Weekly and still coming: active and right (tn).
  client('steady-weekly', [...every(CAL - 7 * 19, 7, 20), CAL + 7, CAL + 14]),
  // Monthly, gone 100 days, then back in the holdout: lapsed but wrong (fp).
  client('back-monthly', [...every(CAL - 100 - 30 * 9, 30, 10), CAL + 50]),
  // Weekly, last seen 5 days ago, never back: active but gone (fn).
  client('sudden-stop', every(CAL - 5 - 7 * 19, 7, 20)),
  // Monthly, gone 70 days: at risk, never back (tp only when at_risk counts).
  client('risky-monthly', every(CAL - 70 - 30 * 9, 30, 10)),
  // Two visits: new, not compared.
  client('newcomer', [CAL - 10, CAL - 3]),
  // First visit after the calibration end: not a client yet.
  client('future', [CAL + 3, CAL + 10]),
]);

describe('holdoutComparison', () => {
  it('counts each method against "no visit in the holdout" on the established clients', () => {
    const r = holdoutComparison(histories, CAL, END);
    expect(r.clients).toBe(6);
    expect(r.eligible).toBe(5);
    expect(r.noVisitInHoldout).toBe(3);
    expect(r.cadence.statuses).toEqual({ active: 2, at_risk: 1, lapsed: 2, new: 0 });
    expect(r.cadence.lapsed).toEqual({ tp: 1, fp: 1, fn: 2, tn: 1, precision: 0.5, recall: 1 / 3 });
    expect(r.cadence.atRiskOrLapsed).toEqual({ tp: 2, fp: 1, fn: 1, tn: 1, precision: 2 / 3, recall: 2 / 3 });
    for (const m of [r.bgnbd.lapsed, r.bgnbd.atRiskOrLapsed]) expect(m.tp + m.fp + m.fn + m.tn).toBe(5);
    expect(r.bgnbd.fit.converged).toBe(true);
  });

  it('refuses a holdout that does not end after the calibration end', () => {
    expect(() => holdoutComparison(histories, CAL, CAL)).toThrow(LapseInputError);
  });
});

describe('scoreClients', () => {
  it('gives both methods the same new clients, and P(alive) only with BG/NBD', () => {
    const cadence = [...scoreClients(histories, CAL).scores()];
    const bgnbd = [...scoreClients(histories, CAL, { method: 'bgnbd' }).scores()];
    expect(cadence.map((s) => s.id)).toEqual(bgnbd.map((s) => s.id));
    expect(cadence.every((s) => s.pAlive === null)).toBe(true);
    expect(bgnbd.every((s) => s.pAlive !== null && s.pAlive >= 0 && s.pAlive <= 1)).toBe(true);
    expect(bgnbd.filter((s) => s.status === 'new').map((s) => s.id)).toEqual(['newcomer']);
    expect(cadence.filter((s) => s.status === 'new').map((s) => s.id)).toEqual(['newcomer']);
  });
});

describe('holdout on CDNOW (calibration to 1997-09-30, holdout to 1998-06-30)', () => {
  it('compares both methods on the same established customers', async () => {
    const { histories: cdnow } = await readTransactions(dir.write('cdnow.csv', cdnowTransactionsCsv()));
    const r = holdoutComparison(cdnow, parseIsoDay('1997-09-30')!, parseIsoDay('1998-06-30')!);
    expect(r.clients).toBe(2357);
    expect(r.bgnbd.fit.r).toBeCloseTo(0.2426, 4);
    for (const m of [r.cadence, r.bgnbd]) {
      for (const c of [m.lapsed, m.atRiskOrLapsed]) {
        expect(c.tp + c.fp + c.fn + c.tn).toBe(r.eligible);
        expect(c.tp + c.fn).toBe(r.noVisitInHoldout);
      }
      // Flagging at_risk too can only catch more of those who left.
      expect(m.atRiskOrLapsed.tp).toBeGreaterThanOrEqual(m.lapsed.tp);
    }
    // Regression anchors, counted when this spec was written: 440 established customers, 134 of them never back.
    expect([r.eligible, r.noVisitInHoldout]).toEqual([440, 134]);
    const counts = (c: { tp: number; fp: number; fn: number; tn: number }) => [c.tp, c.fp, c.fn, c.tn];
    expect(counts(r.cadence.lapsed)).toEqual([43, 58, 91, 248]);
    expect(counts(r.cadence.atRiskOrLapsed)).toEqual([60, 90, 74, 216]);
    expect(counts(r.bgnbd.lapsed)).toEqual([16, 16, 118, 290]);
    expect(counts(r.bgnbd.atRiskOrLapsed)).toEqual([41, 47, 93, 259]);
  });
});
