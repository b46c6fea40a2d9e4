/**
 * Gauss's hypergeometric function 2F1(a, b; c; z) by its power series, for 0 <= z < 1: the BG/NBD
 * argument is t / (alpha + T + t), always in that range.
 *
 * Three cares:
 * - The value can overflow (with c - a - b < 0 it grows like (1 - z)^(c - a - b), and a + b - c
 *   grows with the client's purchase count), so the sum is kept scaled and its log is returned.
 * - With a, b, c > 0 (the usual case) every term is positive, so nothing cancels. A negative c
 *   (possible when the BG/NBD a + b < 1) only flips the sign of the first few terms.
 * - The tail is bounded, not guessed. The ratio of term k+1 to term k is z * f(k) with
 *     f(k) = (a+k)(b+k) / ((c+k)(k+1)) = 1 + (A k + B) / ((c+k)(k+1)),  A = a+b-c-1,  B = ab-c,
 *   and once a+k, b+k, c+k are all positive, f(j) <= 1 + max(0, A)/(k+1) + max(0, B)/((c+k)(k+1))
 *   =: F(k) for every j >= k. When r = z F(k) < 1 the later terms shrink at least geometrically
 *   by r, so what is left is at most |term| r / (1 - r); the sum stops when that is below 1e-17 of
 *   the total.
 */

// Module constants rather than `Math.x` in the loop: global lookups are slow under Jest's vm sandbox.
const { abs, exp, log, max, sign } = Math;
const MAX_TERMS = 10_000_000;
const RESCALE_ABOVE = 1e280;
const LOG_RESCALE = log(RESCALE_ABOVE);

/** ln|2F1| and its sign. */
function series(a: number, b: number, c: number, z: number): { logAbs: number; sign: number } {
  if (![a, b, c].every(Number.isFinite)) throw new RangeError(`hyp2f1: a, b, c must be finite (got ${a}, ${b}, ${c})`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1: c must not be 0 or a negative integer (got ${c})`);
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1: z must be in [0, 1) (got ${z})`);
  let term = 1;
  let sum = 1;
  let logScale = 0;
  const A = max(0, a + b - c - 1);
  const B = max(0, a * b - c);
  for (let k = 0; k < MAX_TERMS && z > 0; k++) {
    term *= (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
    sum += term;
    if (term === 0) break; // a or b a non-positive integer: a polynomial, finished.
    if (abs(sum) > RESCALE_ABOVE) {
      term /= RESCALE_ABOVE;
      sum /= RESCALE_ABOVE;
      logScale += LOG_RESCALE;
    }
    // `term` is now term k+1; bound the ratios from there on, once every factor is positive.
    const j = k + 1;
    if (a + j > 0 && b + j > 0 && c + j > 0) {
      const r = z * (1 + A / (j + 1) + B / ((c + j) * (j + 1)));
      if (r < 1 && (abs(term) * r) / (1 - r) <= 1e-17 * abs(sum)) return { logAbs: logScale + log(abs(sum)), sign: sign(sum) };
    }
    if (k === MAX_TERMS - 1) throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}): series did not converge in ${MAX_TERMS} terms`);
  }
  return { logAbs: logScale + log(abs(sum)), sign: sign(sum) };
}

/** ln 2F1(a, b; c; z) for 0 <= z < 1; throws when the value is not positive. */
export function logHyp2f1(a: number, b: number, c: number, z: number): number {
  const { logAbs, sign } = series(a, b, c, z);
  if (sign <= 0) throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}) is not positive: no logarithm`);
  return logAbs;
}

/** 2F1(a, b; c; z) for 0 <= z < 1 (±Infinity past the double range: use logHyp2f1 then). */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  const { logAbs, sign } = series(a, b, c, z);
  return sign * exp(logAbs);
}
