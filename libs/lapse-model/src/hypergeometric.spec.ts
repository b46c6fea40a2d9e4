import { hyp2f1, logHyp2f1 } from './hypergeometric';

const relErr = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

describe('hyp2f1', () => {
  it('matches closed forms', () => {
    for (const z of [0.1, 0.5, 0.9, 0.99, 0.9999]) {
      // 2F1(1, 1; 2; z) = -ln(1 - z) / z
      expect(relErr(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z)).toBeLessThan(1e-12);
      // 2F1(a, b; b; z) = (1 - z)^-a
      expect(relErr(hyp2f1(2.3, 1.7, 1.7, z), (1 - z) ** -2.3)).toBeLessThan(1e-12);
    }
    // 2F1(1/2, 1/2; 3/2; z^2) = asin(z) / z
    expect(relErr(hyp2f1(0.5, 0.5, 1.5, 0.81), Math.asin(0.9) / 0.9)).toBeLessThan(1e-13);
    expect(hyp2f1(3, 4, 5, 0)).toBe(1);
  });

  it('matches high-precision values (mpmath, 30 digits) including ones past the double range', () => {
    expect(relErr(hyp2f1(2.243, 4.426, 3.219, 0.475), 7.6699557937323935649)).toBeLessThan(1e-13);
    expect(relErr(hyp2f1(0.7, 1.3, 2.9, 0.999), 1.9684918066267424598)).toBeLessThan(1e-12);
    expect(relErr(hyp2f1(12.243, 14.426, 13.219, 0.9), 25954129681269.541442)).toBeLessThan(1e-12);
    expect(logHyp2f1(102.243, 104.426, 103.219, 0.5)).toBeCloseTo(71.700358668498403764, 10);
    // ln 2F1(1000.5, 1001; 1000.2; 0.9): far beyond 1e308, still finite in log form.
    expect(relErr(logHyp2f1(1000.5, 1001, 1000.2, 0.9), 2305.5786695620257299)).toBeLessThan(1e-12);
  });

  it('handles a negative c (BG/NBD with a + b < 1) and terminating series', () => {
    expect(relErr(hyp2f1(0.3, 0.5, -0.2, 0.6), -0.320711450016614151336)).toBeLessThan(1e-12);
    expect(relErr(hyp2f1(0.3, 0.5, -0.2, 0.95), -18.7580300731189680932)).toBeLessThan(1e-12);
    expect(relErr(hyp2f1(0.3, 0.5, -1.7, 0.3), 1.03227084146938883500)).toBeLessThan(1e-12);
    // 2F1(-2, b; c; z) is a quadratic.
    const [b, c, z] = [1.5, 2.5, 0.7];
    expect(relErr(hyp2f1(-2, b, c, z), 1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)))).toBeLessThan(1e-14);
  });

  it('refuses arguments outside the supported domain', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 2, -0.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError);
    expect(() => logHyp2f1(0.3, 0.5, -0.2, 0.95)).toThrow(/not positive/);
  });
});
