/**
 * The BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"): while
 * alive a client buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each repeat
 * purchase they drop out with probability p ~ Beta(a, b). Fitted by maximum likelihood on the
 * per-client summaries (x repeat purchases, the last at tx, observed for T since the first), all
 * in one time unit.
 *
 * Per client the log-likelihood (FHL eq. 6, in the grouping that keeps it stable) is
 *   A1 = lnG(r+x) - lnG(r) + r ln(alpha)
 *   A2 = lnB(a, b+x) - lnB(a, b)          = lnG(a+b) + lnG(b+x) - lnG(b) - lnG(a+b+x)
 *   A3 = -(r+x) ln(alpha+T)
 *   A4 = ln(a) - ln(b+x-1) - (r+x) ln(alpha+tx)               (x > 0 only)
 *   LL = A1 + A2 + logsumexp(A3, A4)                          (= A1 + A2 + A3 when x = 0)
 * A1 and A2 depend on x alone, so they are computed once per distinct x; only the two logs of
 * logsumexp are per row. With d = A4 - A3 and w = sigmoid(d) (the weight of the "dropped out
 * after the last purchase" branch), the gradient is
 *   dLL/dr     = psi(r+x) - psi(r) + ln(alpha) - ln(alpha+T) - w (ln(alpha+tx) - ln(alpha+T))
 *   dLL/dalpha = r/alpha - (r+x) ((1-w)/(alpha+T) + w/(alpha+tx))
 *   dLL/da     = psi(a+b) - psi(a+b+x) + w/a
 *   dLL/db     = psi(a+b) + psi(b+x) - psi(b) - psi(a+b+x) - w/(b+x-1)
 * The fit minimises -LL / (total weight) over the log-parameters (so every parameter stays
 * positive) inside a box, with the projected L-BFGS of ./optimizer.
 */
import betaln from '@stdlib/math-base-special-betaln';
import digamma from '@stdlib/math-base-special-digamma';
import gammaln from '@stdlib/math-base-special-gammaln';
import { hyp2f1, logHyp2f1 } from './hypergeometric';
import { minimizeBounded } from './optimizer';

// Module constants, not `Math.x` in the loops: under Jest's vm sandbox each lookup of the global
// `Math` costs ~20x the call itself (a 200k-client fit took 10 s instead of 0.8 s).
const { abs, exp, expm1, log, log1p, max, min } = Math;

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Per-client summaries, one row per client (or per group of identical clients with `weight`). */
export interface BgNbdSummaries {
  /** Repeat purchases (distinct purchase days after the first), a whole number >= 0. */
  x: Float64Array;
  /** Time from the first purchase to the last one (0 when x = 0). */
  tx: Float64Array;
  /** Time from the first purchase to the end of the observation period; tx <= T. */
  T: Float64Array;
  /** How many clients each row stands for (default 1). */
  weight?: Float64Array;
}

export interface BgNbdFitOptions {
  /** Starting point; default r = a = b = 1 and alpha = (sum T) / (sum x), matching the mean rate. */
  initial?: Partial<BgNbdParams>;
  /** Box on each log-parameter: [-12, 12] keeps every parameter within e^±12 of 1. */
  logBounds?: [number, number];
  maxIterations?: number;
  /** On the projected gradient of the mean negative log-likelihood over the log-parameters. */
  gradientTolerance?: number;
  functionTolerance?: number;
}

export interface BgNbdFit extends BgNbdParams {
  logLikelihood: number;
  iterations: number;
  /** Likelihood evaluations (each one pass over the rows), line-search trials included. */
  evaluations: number;
  converged: boolean;
}

/**
 * The summaries rearranged once for fast repeated likelihood evaluations.
 *
 * Summaries built from dated visits take few distinct time values (whole days since the first
 * visit), so ln(alpha + t) and 1 / (alpha + t) are computed once per distinct time per evaluation
 * and looked up per row; rows with x = 0 collapse to one weight per distinct T. Continuous times
 * (simulations) have no repeats, and the rows keep their own values.
 */
interface Prepared {
  /** Distinct x values, and the total weight of the rows having each. */
  xs: Float64Array;
  xWeight: Float64Array;
  /** The distinct times (T of all rows, tx of rows with x > 0) when tabulated, else null. */
  times: Float64Array | null;
  /** x = 0 rows: their T and weight, or (tabulated) the total weight at each distinct time. */
  T0: Float64Array;
  w0: Float64Array;
  /** x > 0 rows: x, tx, T (times: indices into `times`), weight, and the index of x in `xs`. */
  x1: Float64Array;
  tx1: Float64Array | Int32Array;
  T1: Float64Array | Int32Array;
  w1: Float64Array;
  xi1: Int32Array;
  totalWeight: number;
  totalX: number;
  totalT: number;
}

/** Distinct values of the times, or null once there are more than `limit` (not worth a table). */
function distinctTimes(s: BgNbdSummaries, limit: number): Map<number, number> | null {
  const index = new Map<number, number>();
  for (let i = 0; i < s.x.length; i++) {
    if (!index.has(s.T[i])) index.set(s.T[i], index.size);
    if (s.x[i] > 0 && !index.has(s.tx[i])) index.set(s.tx[i], index.size);
    if (index.size > limit) return null;
  }
  return index;
}

function prepare(s: BgNbdSummaries): Prepared {
  const n = s.x.length;
  if (s.tx.length !== n || s.T.length !== n || (s.weight && s.weight.length !== n)) throw new RangeError('BG/NBD: x, tx, T (and weight) must have the same length');
  const index = new Map<number, number>();
  const xsList: number[] = [];
  const xWeightList: number[] = [];
  let zeros = 0;
  let totalWeight = 0;
  let totalX = 0;
  let totalT = 0;
  for (let i = 0; i < n; i++) {
    const x = s.x[i];
    const tx = s.tx[i];
    const T = s.T[i];
    const w = s.weight ? s.weight[i] : 1;
    if (!(Number.isInteger(x) && x >= 0)) throw new RangeError(`BG/NBD row ${i}: x must be a whole number >= 0 (got ${x})`);
    if (!(tx >= 0 && T >= tx && Number.isFinite(T))) throw new RangeError(`BG/NBD row ${i}: need 0 <= tx <= T (got tx ${tx}, T ${T})`);
    if (!(w >= 0 && Number.isFinite(w))) throw new RangeError(`BG/NBD row ${i}: weight must be >= 0 (got ${w})`);
    let k = index.get(x);
    if (k === undefined) {
      k = xsList.length;
      index.set(x, k);
      xsList.push(x);
      xWeightList.push(0);
    }
    xWeightList[k] += w;
    if (x === 0) zeros++;
    totalWeight += w;
    totalX += w * x;
    totalT += w * T;
  }
  if (!(totalWeight > 0)) throw new RangeError('BG/NBD: no clients to fit (total weight 0)');

  // A table pays when it is much shorter than the rows it replaces.
  const timeIndex = distinctTimes(s, Math.max(64, n >> 3));
  const times = timeIndex ? Float64Array.from(timeIndex.keys()) : null;
  const positives = n - zeros;
  const p: Prepared = {
    xs: Float64Array.from(xsList),
    xWeight: Float64Array.from(xWeightList),
    times,
    T0: times ? times : new Float64Array(zeros),
    w0: new Float64Array(times ? times.length : zeros),
    x1: new Float64Array(positives),
    tx1: times ? new Int32Array(positives) : new Float64Array(positives),
    T1: times ? new Int32Array(positives) : new Float64Array(positives),
    w1: new Float64Array(positives),
    xi1: new Int32Array(positives),
    totalWeight,
    totalX,
    totalT,
  };
  let i0 = 0;
  let i1 = 0;
  for (let i = 0; i < n; i++) {
    const w = s.weight ? s.weight[i] : 1;
    if (s.x[i] === 0) {
      if (timeIndex) {
        p.w0[timeIndex.get(s.T[i])!] += w;
      } else {
        p.T0[i0] = s.T[i];
        p.w0[i0++] = w;
      }
    } else {
      p.x1[i1] = s.x[i];
      p.tx1[i1] = timeIndex ? timeIndex.get(s.tx[i])! : s.tx[i];
      p.T1[i1] = timeIndex ? timeIndex.get(s.T[i])! : s.T[i];
      p.w1[i1] = w;
      p.xi1[i1++] = index.get(s.x[i])!;
    }
  }
  return p;
}

/** Total log-likelihood at (r, alpha, a, b); with `gradient`, writes dLL/d(r, alpha, a, b) there. */
function evaluate(p: Prepared, r: number, alpha: number, a: number, b: number, gradient?: Float64Array): number {
  const nx = p.xs.length;
  const lnAlpha = log(alpha);
  const lnA = log(a);

  // Terms depending on x alone (A1, A2 and the constant of A4), once per distinct x.
  const c4 = new Float64Array(nx);
  let ll = 0;
  let gr = 0;
  let galpha = 0;
  let ga = 0;
  let gb = 0;
  const lgR = gammaln(r);
  const lbAB = betaln(a, b);
  const psiR = digamma(r);
  const psiB = digamma(b);
  const psiAB = digamma(a + b);
  for (let k = 0; k < nx; k++) {
    const x = p.xs[k];
    const W = p.xWeight[k];
    if (x > 0) c4[k] = lnA - log(b + x - 1);
    if (W === 0) continue;
    if (x === 0) {
      // A1 = r ln(alpha), A2 = 0.
      ll += W * r * lnAlpha;
      gr += W * lnAlpha;
    } else {
      ll += W * (gammaln(r + x) - lgR + r * lnAlpha + betaln(a, b + x) - lbAB);
      if (gradient) {
        const psiABX = digamma(a + b + x);
        gr += W * (digamma(r + x) - psiR + lnAlpha);
        ga += W * (psiAB - psiABX);
        gb += W * (psiAB + digamma(b + x) - psiB - psiABX);
      }
    }
    galpha += (W * r) / alpha;
  }

  // ln(alpha + t) and 1 / (alpha + t) per distinct time, when tabulated.
  let lnTab: Float64Array | undefined;
  let invTab: Float64Array | undefined;
  if (p.times) {
    lnTab = new Float64Array(p.times.length);
    invTab = new Float64Array(p.times.length);
    for (let k = 0; k < p.times.length; k++) {
      lnTab[k] = log(alpha + p.times[k]);
      invTab[k] = 1 / (alpha + p.times[k]);
    }
  }

  // x = 0 rows: A3 = -r ln(alpha + T).
  {
    const { T0, w0 } = p;
    let sumLog = 0;
    let sumInv = 0;
    for (let i = 0; i < w0.length; i++) {
      if (lnTab && invTab) {
        sumLog += w0[i] * lnTab[i];
        sumInv += w0[i] * invTab[i];
      } else {
        const u = alpha + T0[i];
        sumLog += w0[i] * log(u);
        sumInv += w0[i] / u;
      }
    }
    ll -= r * sumLog;
    gr -= sumLog;
    galpha -= r * sumInv;
  }

  // x > 0 rows: logsumexp(A3, A4).
  {
    const { x1, tx1, T1, w1, xi1 } = p;
    const sumW4 = new Float64Array(nx);
    let sumRow = 0;
    let sumGr = 0;
    let sumGalpha = 0;
    for (let i = 0; i < x1.length; i++) {
      const w = w1[i];
      const rx = r + x1[i];
      let L3: number;
      let L4: number;
      let invT: number;
      let invTx: number;
      if (lnTab && invTab) {
        L3 = lnTab[T1[i]];
        L4 = lnTab[tx1[i]];
        invT = invTab[T1[i]];
        invTx = invTab[tx1[i]];
      } else {
        const uT = alpha + T1[i];
        const ut = alpha + tx1[i];
        L3 = log(uT);
        L4 = log(ut);
        invT = 1 / uT;
        invTx = 1 / ut;
      }
      const d = c4[xi1[i]] - rx * (L4 - L3);
      const e = exp(-abs(d));
      // softplus(d) = ln(1 + e^d), and sigmoid(d), both without overflow.
      const softplus = (d > 0 ? d : 0) + log1p(e);
      sumRow += w * (softplus - rx * L3);
      if (gradient) {
        const s = d > 0 ? 1 / (1 + e) : e / (1 + e);
        sumGr -= w * (L3 + s * (L4 - L3));
        sumGalpha -= w * rx * ((1 - s) * invT + s * invTx);
        sumW4[xi1[i]] += w * s;
      }
    }
    ll += sumRow;
    if (gradient) {
      gr += sumGr;
      galpha += sumGalpha;
      for (let k = 0; k < nx; k++) {
        if (sumW4[k] === 0) continue;
        ga += sumW4[k] / a;
        gb -= sumW4[k] / (b + p.xs[k] - 1);
      }
    }
  }

  if (gradient) {
    gradient[0] = gr;
    gradient[1] = galpha;
    gradient[2] = ga;
    gradient[3] = gb;
  }
  return ll;
}

/**
 * The BG/NBD log-likelihood of the summaries at `params` (sum over rows, times their weights). With
 * `gradient` (length 4), also writes dLL/d(r, alpha, a, b) into it.
 */
export function bgNbdLogLikelihood(params: BgNbdParams, summaries: BgNbdSummaries, gradient?: Float64Array): number {
  return evaluate(prepare(summaries), params.r, params.alpha, params.a, params.b, gradient);
}

/** Maximum-likelihood estimates of (r, alpha, a, b). */
export function fitBgNbd(summaries: BgNbdSummaries, options: BgNbdFitOptions = {}): BgNbdFit {
  const p = prepare(summaries);
  const [lo, hi] = options.logBounds ?? [-12, 12];
  const init = options.initial ?? {};
  const meanRateAlpha = p.totalX > 0 && p.totalT > 0 ? p.totalT / p.totalX : 1;
  const start = [init.r ?? 1, init.alpha ?? meanRateAlpha, init.a ?? 1, init.b ?? 1].map((v) => min(hi, max(lo, log(v))));

  const g = new Float64Array(4);
  const scale = 1 / p.totalWeight;
  const result = minimizeBounded(
    (theta, grad) => {
      const r = exp(theta[0]);
      const alpha = exp(theta[1]);
      const a = exp(theta[2]);
      const b = exp(theta[3]);
      const ll = evaluate(p, r, alpha, a, b, g);
      // Chain rule to log-parameters: d/d(ln v) = v d/dv.
      grad[0] = -g[0] * r * scale;
      grad[1] = -g[1] * alpha * scale;
      grad[2] = -g[2] * a * scale;
      grad[3] = -g[3] * b * scale;
      return -ll * scale;
    },
    start,
    {
      lower: [lo, lo, lo, lo],
      upper: [hi, hi, hi, hi],
      maxIterations: options.maxIterations ?? 500,
      gradientTolerance: options.gradientTolerance ?? 1e-9,
      functionTolerance: options.functionTolerance ?? 1e-14,
    },
  );
  const [r, alpha, a, b] = Array.from(result.x, exp);
  return { r, alpha, a, b, logLikelihood: evaluate(p, r, alpha, a, b), iterations: result.iterations, evaluations: result.evaluations, converged: result.converged };
}

/**
 * P(alive | x, tx, T) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+tx))^(r+x)) (FHL eq. 11 as
 * rewritten in their note). 1 for x = 0: the model lets a client drop out only after a repeat
 * purchase, so one who never came back is still "alive", just slow.
 */
export function pAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logOdds = log(a) - log(b + x - 1) + (r + x) * (log(alpha + T) - log(alpha + tx));
  return 1 / (1 + exp(logOdds));
}

/**
 * The T at which P(alive) falls to `p` for a client with x repeat purchases, the last at tx:
 * solving the pAlive formula gives alpha + T = (alpha + tx) ((1/p - 1) (b+x-1)/a)^(1/(r+x)).
 * If P(alive) is already at or below p right at the last purchase (T = tx), returns tx.
 * Infinity for x = 0 (P(alive) stays 1).
 */
export function pAliveCrossingTime(params: BgNbdParams, x: number, tx: number, p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`pAliveCrossingTime: p must be in (0, 1) (got ${p})`);
  if (x === 0) return Infinity;
  const { r, alpha, a, b } = params;
  const logRatio = (log(1 / p - 1) + log(b + x - 1) - log(a)) / (r + x);
  return max(tx, (alpha + tx) * exp(logRatio) - alpha);
}

/**
 * E[Y(t) | x, tx, T]: expected purchases in the next t for a client with this history (FHL eq. 10):
 *   (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
 *   / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+tx))^(r+x))
 * At a = 1 the first factor is 0/0; it is then taken as the mean of a = 1 ± 1e-6 (error ~1e-12).
 */
export function expectedTransactions(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = params;
  if (abs(a - 1) < 1e-7) {
    return (expectedTransactions({ ...params, a: 1 - 1e-6 }, t, x, tx, T) + expectedTransactions({ ...params, a: 1 + 1e-6 }, t, x, tx, T)) / 2;
  }
  if (t === 0) return 0;
  const z = t / (alpha + T + t);
  const bracket = oneMinusPowerHyp(r + x, b + x, a + b + x - 1, (r + x) * log((alpha + T) / (alpha + T + t)), z);
  const numerator = ((a + b + x - 1) / (a - 1)) * bracket;
  const denominator = x > 0 ? 1 + (a / (b + x - 1)) * exp((r + x) * (log(alpha + T) - log(alpha + tx))) : 1;
  return numerator / denominator;
}

/**
 * E[X(t)]: expected purchases in (0, t] after the first, for a client just acquired (FHL eq. 9):
 *   (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]
 */
export function expectedTransactionsUnconditional(params: BgNbdParams, t: number): number {
  const { r, alpha, a, b } = params;
  if (abs(a - 1) < 1e-7) return (expectedTransactionsUnconditional({ ...params, a: 1 - 1e-6 }, t) + expectedTransactionsUnconditional({ ...params, a: 1 + 1e-6 }, t)) / 2;
  if (t === 0) return 0;
  return ((a + b - 1) / (a - 1)) * oneMinusPowerHyp(r, b, a + b - 1, r * log(alpha / (alpha + t)), t / (alpha + t));
}

/** 1 - exp(logPower) 2F1(p, q; c; z), without losing digits when the product is near 1. */
function oneMinusPowerHyp(p: number, q: number, c: number, logPower: number, z: number): number {
  if (c > 0) return -expm1(logPower + logHyp2f1(p, q, c, z));
  // c < 0 (a + b + x < 1): the series may be negative; no log then.
  return 1 - exp(logPower) * hyp2f1(p, q, c, z);
}
