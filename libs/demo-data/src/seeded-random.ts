/**
 * A small, fast, seedable pseudo-random generator (SFC32: Chris Doty-Humphrey's "small fast
 * counting" generator, 128 bits of state). The demo data must be byte-identical for the same seed,
 * so nothing in this library may use Math.random; every choice goes through one of these.
 *
 * Streams are derived from a list of integer keys (seed, purpose, client index, ...) by hashing,
 * so a client's randomness depends only on (seed, client index) and never on how many numbers
 * earlier clients happened to draw: output stays the same however the work is chunked.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(a: number, b: number, c: number, d: number) {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    // The first outputs of SFC32 still echo the seed words; a short warm-up decorrelates them.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A generator for the stream named by `keys` (each a safe integer, e.g. seed, purpose, index). */
  static derive(...keys: number[]): SeededRandom {
    let h = 0x243f6a88;
    for (const key of keys) {
      if (!Number.isSafeInteger(key)) throw new RangeError(`SeededRandom keys must be safe integers, got ${key}`);
      // Split into two 32-bit halves so seeds above 2^32 (and negative ones) still count fully.
      const low = key >>> 0;
      const high = Math.floor(key / 0x1_0000_0000) >>> 0;
      h = mix32(h ^ low);
      h = mix32((h + 0x9e3779b9) ^ high);
    }
    return new SeededRandom(h, mix32(h ^ 0x85ebca6b), mix32(h ^ 0xc2b2ae35), 1);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  /** Uniform integer in [min, max] (both inclusive). */
  intBetween(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /**
   * Approximately standard normal (mean 0, sd 1), bounded to about ±3.5: the scaled sum of four
   * uniforms. Cheaper than Box-Muller and the bounded tails suit visit-gap jitter (no absurd gaps).
   */
  normal(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * 1.7320508075688772;
  }
}

/** Index into `cumulativeWeights` (ascending, last = total) chosen with probability ∝ weight. */
export function pickWeighted(random: SeededRandom, cumulativeWeights: readonly number[]): number {
  const target = random.next() * cumulativeWeights[cumulativeWeights.length - 1];
  for (let i = 0; i < cumulativeWeights.length; i++) {
    if (target < cumulativeWeights[i]) return i;
  }
  return cumulativeWeights.length - 1;
}

/** Running sums of `weights`, the form `pickWeighted` takes. */
export function cumulative(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

/** A 32-bit avalanche hash step (the finaliser of MurmurHash3's family, "lowbias32" constants). */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}
