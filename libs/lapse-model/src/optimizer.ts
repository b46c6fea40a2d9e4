/**
 * A small projected L-BFGS minimiser with box constraints, for the handful of parameters of a
 * maximum-likelihood fit.
 *
 * Why our own: npm has no maintained pure-JS bounded quasi-Newton optimiser. `fmin` (0.0.4) offers
 * Nelder-Mead and conjugate gradient without bounds, `numeric` (1.2.6, last changed 2012) an
 * unbounded BFGS, `optimization-js` an unbounded L-BFGS with little use; none takes an analytic
 * gradient together with bounds. The BG/NBD fit needs few parameters, so a compact method is
 * enough:
 *
 * - each iterate stays inside [lower, upper] (every trial point is projected onto the box);
 * - variables held at a bound by their gradient (at the lower bound with g > 0, at the upper with
 *   g < 0) are fixed for the iteration; the L-BFGS two-loop recursion gives the direction for the
 *   others (Bertsekas' projected Newton idea with a limited-memory inverse Hessian);
 * - a backtracking line search along the projected path with the Armijo condition
 *   f(P(x + t d)) <= f(x) + c1 * g . (P(x + t d) - x), each cut chosen by quadratic interpolation;
 * - a curvature pair (s, y) is kept only when s . y > 0, so the inverse Hessian stays positive
 *   definite; a direction that is not downhill falls back to projected steepest descent.
 *
 * Converged means: the projected gradient P(x - g) - x is below `gradientTolerance` (infinity
 * norm), or a step improved f by less than `functionTolerance` relative to |f|.
 */

/** Writes the gradient at `x` into `gradient` and returns f(x). */
export type ObjectiveWithGradient = (x: Float64Array, gradient: Float64Array) => number;

export interface BoundedMinimizeOptions {
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  maxIterations?: number;
  /** Correction pairs kept (the "L" in L-BFGS). */
  memory?: number;
  gradientTolerance?: number;
  functionTolerance?: number;
}

export interface BoundedMinimizeResult {
  x: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: 'gradient' | 'function' | 'max-iterations' | 'line-search';
}

const ARMIJO_C1 = 1e-4;
const MAX_BACKTRACKS = 60;

export function minimizeBounded(f: ObjectiveWithGradient, x0: ArrayLike<number>, options: BoundedMinimizeOptions): BoundedMinimizeResult {
  const n = x0.length;
  const { lower, upper } = options;
  if (lower.length !== n || upper.length !== n) throw new RangeError('minimizeBounded: bounds and x0 differ in length');
  for (let i = 0; i < n; i++) if (!(lower[i] <= upper[i])) throw new RangeError(`minimizeBounded: lower[${i}] > upper[${i}]`);
  const maxIterations = options.maxIterations ?? 500;
  const m = options.memory ?? 10;
  const gtol = options.gradientTolerance ?? 1e-8;
  const ftol = options.functionTolerance ?? 1e-14;

  const project = (v: Float64Array): void => {
    for (let i = 0; i < n; i++) v[i] = Math.min(upper[i], Math.max(lower[i], v[i]));
  };
  const projectedGradientNorm = (x: Float64Array, g: Float64Array): number => {
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(Math.min(upper[i], Math.max(lower[i], x[i] - g[i])) - x[i]));
    return worst;
  };

  let x = Float64Array.from(x0);
  project(x);
  let g = new Float64Array(n);
  let fx = f(x, g);
  let evaluations = 1;
  if (!Number.isFinite(fx)) throw new RangeError(`minimizeBounded: the objective is ${fx} at the starting point`);

  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  const free = new Uint8Array(n);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);

  const result = (iterations: number, converged: boolean, reason: BoundedMinimizeResult['reason']): BoundedMinimizeResult => ({
    x,
    value: fx,
    iterations,
    evaluations,
    converged,
    reason,
  });

  for (let iter = 0; iter < maxIterations; iter++) {
    if (projectedGradientNorm(x, g) <= gtol) return result(iter, true, 'gradient');

    // Variables pinned at a bound by the gradient take no part in this step.
    for (let i = 0; i < n; i++) {
      const atLower = x[i] <= lower[i] && g[i] > 0;
      const atUpper = x[i] >= upper[i] && g[i] < 0;
      free[i] = atLower || atUpper ? 0 : 1;
    }

    // Two-loop recursion: d = -H g on the free variables.
    for (let i = 0; i < n; i++) d[i] = free[i] ? -g[i] : 0;
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dotMasked(S[k], d, free, n);
      for (let i = 0; i < n; i++) if (free[i]) d[i] += alpha[k] * -Y[k][i];
    }
    if (S.length) {
      const last = S.length - 1;
      const gamma = dot(S[last], Y[last], n) / dot(Y[last], Y[last], n);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    } else {
      // First step (or after a reset): a step of length 1 in the largest coordinate at most.
      let big = 0;
      for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(d[i]));
      if (big > 1) for (let i = 0; i < n; i++) d[i] /= big;
    }
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k] * dotMasked(Y[k], d, free, n);
      for (let i = 0; i < n; i++) if (free[i]) d[i] += S[k][i] * (alpha[k] - beta);
    }

    let slope = dot(g, d, n);
    if (!(slope < 0)) {
      // Not downhill (the memory disagrees with the active set): forget it, go down the gradient.
      S.length = Y.length = rho.length = 0;
      let big = 0;
      for (let i = 0; i < n; i++) {
        d[i] = free[i] ? -g[i] : 0;
        big = Math.max(big, Math.abs(d[i]));
      }
      if (big > 1) for (let i = 0; i < n; i++) d[i] /= big;
      slope = dot(g, d, n);
      if (!(slope < 0)) return result(iter, true, 'gradient');
    }

    // Backtracking along the projected path.
    let t = 1;
    let fNew = NaN;
    let accepted = false;
    for (let back = 0; back < MAX_BACKTRACKS; back++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + t * d[i];
      project(xNew);
      let decrease = 0;
      for (let i = 0; i < n; i++) decrease += g[i] * (xNew[i] - x[i]);
      fNew = f(xNew, gNew);
      evaluations++;
      if (Number.isFinite(fNew) && fNew <= fx + ARMIJO_C1 * decrease) {
        accepted = true;
        break;
      }
      // Shrink to the minimum of the quadratic through f(x), the slope and f(trial), kept within
      // [0.1, 0.5] of the step: a step far too long is cut in one or two trials, not five.
      const curvature = fNew - fx - decrease;
      const ratio = Number.isFinite(fNew) && curvature > 0 ? -decrease / (2 * curvature) : 0.1;
      t *= Math.min(0.5, Math.max(0.1, ratio));
    }
    if (!accepted) {
      if (S.length) {
        // Retry from plain steepest descent before giving up.
        S.length = Y.length = rho.length = 0;
        continue;
      }
      return result(iter, projectedGradientNorm(x, g) <= Math.sqrt(gtol), 'line-search');
    }

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    const sy = dot(s, y, n);
    if (sy > 1e-12 * Math.sqrt(dot(s, s, n) * dot(y, y, n))) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }

    const fOld = fx;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    fx = fNew;
    if (fOld - fx <= ftol * Math.max(Math.abs(fOld), Math.abs(fx), 1)) return result(iter + 1, true, 'function');
  }
  return result(maxIterations, projectedGradientNorm(x, g) <= gtol, 'max-iterations');
}

function dot(p: Float64Array, q: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += p[i] * q[i];
  return s;
}

function dotMasked(p: Float64Array, q: Float64Array, mask: Uint8Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) if (mask[i]) s += p[i] * q[i];
  return s;
}
