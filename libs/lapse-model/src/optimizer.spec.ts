import { minimizeBounded, type ObjectiveWithGradient } from './optimizer';

const rosenbrock: ObjectiveWithGradient = (x, g) => {
  let f = 0;
  g.fill(0);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * x[i] * a - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
};

const wide = (n: number) => ({ lower: new Array<number>(n).fill(-10), upper: new Array<number>(n).fill(10) });

describe('minimizeBounded (projected L-BFGS)', () => {
  it('finds the minimum of the Rosenbrock function inside wide bounds', () => {
    const r = minimizeBounded(rosenbrock, [-1.2, 1], wide(2));
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
    expect(r.value).toBeLessThan(1e-12);
  });

  it('handles ten dimensions', () => {
    const r = minimizeBounded(rosenbrock, new Array<number>(10).fill(-1), { ...wide(10), maxIterations: 2000 });
    expect(r.converged).toBe(true);
    for (const v of r.x) expect(v).toBeCloseTo(1, 5);
  });

  it('stops on a bound when the unconstrained minimum lies outside the box', () => {
    // Rosenbrock with x0 <= 0.5: the constrained minimum is (0.5, 0.25).
    const r = minimizeBounded(rosenbrock, [-1.2, 1], { lower: [-10, -10], upper: [0.5, 10] });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBe(0.5);
    expect(r.x[1]).toBeCloseTo(0.25, 6);
  });

  it('solves a bounded quadratic with several active bounds exactly', () => {
    // f = sum (x_i - c_i)^2 * w_i with c outside the box in some coordinates.
    const c = [3, -2, 0.5, 7];
    const w = [1, 10, 100, 0.1];
    const f: ObjectiveWithGradient = (x, g) => {
      let v = 0;
      for (let i = 0; i < 4; i++) {
        v += w[i] * (x[i] - c[i]) ** 2;
        g[i] = 2 * w[i] * (x[i] - c[i]);
      }
      return v;
    };
    const r = minimizeBounded(f, [0, 0, 0, 0], { lower: [-1, -1, -1, -1], upper: [1, 1, 1, 1] });
    expect(r.converged).toBe(true);
    expect(Array.from(r.x).map((v) => +v.toFixed(8))).toEqual([1, -1, 0.5, 1]);
  });

  it('projects a starting point outside the box and never evaluates outside it', () => {
    const seen: number[][] = [];
    const f: ObjectiveWithGradient = (x, g) => {
      seen.push(Array.from(x));
      g[0] = 2 * (x[0] + 5);
      g[1] = 2 * (x[1] - 5);
      return (x[0] + 5) ** 2 + (x[1] - 5) ** 2;
    };
    const r = minimizeBounded(f, [50, -50], { lower: [0, 0], upper: [2, 2] });
    expect(Array.from(r.x)).toEqual([0, 2]);
    for (const [a, b] of seen) {
      expect(a >= 0 && a <= 2 && b >= 0 && b <= 2).toBe(true);
    }
  });

  it('reports running out of iterations', () => {
    const r = minimizeBounded(rosenbrock, [-1.2, 1], { ...wide(2), maxIterations: 3 });
    expect(r.converged).toBe(false);
    expect(r.reason).toBe('max-iterations');
    expect(r.iterations).toBe(3);
  });

  it('rejects inconsistent bounds and a non-finite start', () => {
    expect(() => minimizeBounded(rosenbrock, [0, 0], { lower: [0], upper: [1, 1] })).toThrow(RangeError);
    expect(() => minimizeBounded(rosenbrock, [0, 0], { lower: [2, 0], upper: [1, 1] })).toThrow(RangeError);
    expect(() => minimizeBounded(() => NaN, [0], { lower: [-1], upper: [1] })).toThrow(/NaN/);
  });
});
