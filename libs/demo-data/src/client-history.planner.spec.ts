import { ClientHistoryPlanner, HISTORY_DAYS, MAX_VISITS_PER_CLIENT, type ClientBehaviour } from './client-history.planner';
import { SeededRandom } from './seeded-random';

const END_DAY = 20_454; // 2026-01-01
const window = { firstDay: END_DAY - HISTORY_DAYS, endDay: END_DAY };

interface PlannedClient {
  behaviour: ClientBehaviour;
  meanGapDays: number;
  days: number[];
  onPlan: boolean;
  chargesEndDay: number;
  failedCharges: number;
}

function planMany(count: number, homeStaffLastDay: number | null = null): PlannedClient[] {
  const planner = new ClientHistoryPlanner(window);
  return Array.from({ length: count }, (_, i) => {
    const h = planner.plan(SeededRandom.derive(5, i), homeStaffLastDay);
    return {
      behaviour: h.behaviour,
      meanGapDays: h.meanGapDays,
      days: Array.from(h.days.subarray(0, h.visitCount)),
      onPlan: h.onPlan,
      chargesEndDay: h.chargesEndDay,
      failedCharges: h.failedCharges,
    };
  });
}

const gaps = (days: number[]): number[] => days.slice(1).map((d, i) => d - days[i]);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('ClientHistoryPlanner', () => {
  const clients = planMany(20_000);
  const of = (behaviour: ClientBehaviour) => clients.filter((c) => c.behaviour === behaviour);

  it('keeps every visit inside the history, strictly ascending, never on a Sunday', () => {
    // Violations are collected and compared once: an expect() per visit would take a minute.
    const violations: string[] = [];
    clients.forEach(({ days }, i) => {
      if (days.length < 1 || days.length > MAX_VISITS_PER_CLIENT) violations.push(`${i}: ${days.length} visits`);
      if (days[0] < window.firstDay || days[days.length - 1] >= window.endDay) violations.push(`${i}: outside the history`);
      if (gaps(days).some((gap) => gap <= 0)) violations.push(`${i}: not ascending`);
      if (days.some((day) => (day + 4) % 7 === 0)) violations.push(`${i}: a Sunday visit`);
    });
    expect(violations).toEqual([]);
  });

  it('mixes the behaviours in roughly the intended shares and averages ~20 visits', () => {
    const share = (b: ClientBehaviour) => of(b).length / clients.length;
    expect(share('active')).toBeGreaterThan(0.4);
    expect(share('active')).toBeLessThan(0.55);
    expect(share('sudden_stop')).toBeGreaterThan(0.12);
    expect(share('drifting')).toBeGreaterThan(0.05);
    expect(share('involuntary')).toBeGreaterThan(0.06);
    expect(share('one_time')).toBeGreaterThan(0.13);
    expect(share('returned')).toBeGreaterThan(0.05);
    const onPlan = clients.filter((c) => c.onPlan).length / clients.length;
    expect(onPlan).toBeGreaterThan(0.12);
    expect(onPlan).toBeLessThan(0.18);
    const average = clients.reduce((sum, c) => sum + c.days.length, 0) / clients.length;
    expect(average).toBeGreaterThan(17);
    expect(average).toBeLessThan(23);
  });

  it('gives each client gaps that scatter around their own mean', () => {
    for (const client of of('active').filter((c) => c.days.length >= 12)) {
      const ratio = median(gaps(client.days)) / client.meanGapDays;
      expect(ratio).toBeGreaterThan(0.6);
      expect(ratio).toBeLessThan(1.5);
    }
    const weekly = clients.filter((c) => c.meanGapDays < 9).length / clients.length;
    expect(weekly).toBeGreaterThan(0.07);
    expect(weekly).toBeLessThan(0.13);
  });

  it('one-time clients come exactly once', () => {
    for (const client of of('one_time')) expect(client.days).toHaveLength(1);
  });

  it('active clients are still coming at the end, stoppers are silent for at least two of their gaps', () => {
    for (const client of of('active')) {
      expect(window.endDay - client.days[client.days.length - 1]).toBeLessThan(client.meanGapDays * 2.5 + 2);
    }
    for (const client of [...of('sudden_stop'), ...of('involuntary')]) {
      expect(client.days.length).toBeGreaterThanOrEqual(2);
      expect(window.endDay - client.days[client.days.length - 1]).toBeGreaterThanOrEqual(client.meanGapDays * 2.5);
    }
  });

  it('drifters end with lengthening gaps, then silence', () => {
    let lengthening = 0;
    const drifters = of('drifting');
    for (const client of drifters) {
      const g = gaps(client.days);
      const lastThree = g.slice(-2);
      if (lastThree.length === 2 && lastThree[1] > lastThree[0] && lastThree[0] > median(g.slice(0, -2).length ? g.slice(0, -2) : g)) lengthening++;
      expect(window.endDay - client.days[client.days.length - 1]).toBeGreaterThan(g[g.length - 1] * 1.5);
    }
    expect(lengthening / drifters.length).toBeGreaterThan(0.6);
  });

  it('returners have one long break and are coming again at the end', () => {
    for (const client of of('returned')) {
      const g = gaps(client.days);
      const longest = Math.max(...g);
      expect(longest).toBeGreaterThanOrEqual(Math.max(55, client.meanGapDays * 2.5));
      if (g.length >= 6) expect(longest).toBeGreaterThan(2 * median(g));
      expect(window.endDay - client.days[client.days.length - 1]).toBeLessThan(client.meanGapDays * 2.5 + 2);
    }
  });

  it('involuntary churners are on a plan with 1-3 declined charges after the last visit', () => {
    for (const client of of('involuntary')) {
      expect(client.onPlan).toBe(true);
      expect(client.failedCharges).toBeGreaterThanOrEqual(1);
      expect(client.failedCharges).toBeLessThanOrEqual(3);
      expect(client.chargesEndDay).toBe(client.days[client.days.length - 1] + 1);
      expect(window.endDay - client.chargesEndDay).toBeGreaterThanOrEqual(44);
    }
    for (const client of clients.filter((c) => c.behaviour !== 'involuntary')) expect(client.failedCharges).toBe(0);
  });

  it('often stops sudden stoppers when their staff member leaves', () => {
    const leaveDay = window.firstDay + 700;
    const stoppers = planMany(3000, leaveDay).filter((c) => c.behaviour === 'sudden_stop');
    const stoppedThatDay = stoppers.filter((c) => c.days[c.days.length - 1] <= leaveDay && c.days[c.days.length - 1] > leaveDay - c.meanGapDays * 2);
    expect(stoppedThatDay.length / stoppers.length).toBeGreaterThan(0.3);
  });
});
