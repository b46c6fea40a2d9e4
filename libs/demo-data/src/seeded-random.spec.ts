import { cumulative, pickWeighted, SeededRandom } from './seeded-random';

const draw = (random: SeededRandom, n: number): number[] => Array.from({ length: n }, () => random.nextUint32());

describe('SeededRandom', () => {
  it('repeats the same sequence for the same keys and differs for other keys', () => {
    expect(draw(SeededRandom.derive(42, 1, 7), 50)).toEqual(draw(SeededRandom.derive(42, 1, 7), 50));
    expect(draw(SeededRandom.derive(42, 1, 7), 50)).not.toEqual(draw(SeededRandom.derive(42, 1, 8), 50));
    expect(draw(SeededRandom.derive(42, 1, 7), 50)).not.toEqual(draw(SeededRandom.derive(43, 1, 7), 50));
  });

  it('counts the high half of large seeds', () => {
    expect(draw(SeededRandom.derive(2 ** 40 + 5), 10)).not.toEqual(draw(SeededRandom.derive(5), 10));
    expect(() => SeededRandom.derive(1.5)).toThrow(RangeError);
  });

  it('draws uniform numbers within their bounds', () => {
    const random = SeededRandom.derive(1);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const u = random.next();
      expect(u >= 0 && u < 1).toBe(true);
      buckets[Math.floor(u * 10)]++;
    }
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    const ints = new Set(Array.from({ length: 2000 }, () => random.intBetween(3, 6)));
    expect([...ints].sort()).toEqual([3, 4, 5, 6]);
  });

  it('draws roughly standard normal values', () => {
    const random = SeededRandom.derive(2);
    const values = Array.from({ length: 50_000 }, () => random.normal());
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(sd - 1)).toBeLessThan(0.02);
  });

  it('picks by weight', () => {
    const random = SeededRandom.derive(3);
    const weights = cumulative([1, 0, 3]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[pickWeighted(random, weights)]++;
    expect(counts[1]).toBe(0);
    expect(counts[2] / counts[0]).toBeGreaterThan(2.7);
    expect(counts[2] / counts[0]).toBeLessThan(3.3);
  });
});
