import { estimateSmsCost } from './sms-cost';

describe('estimateSmsCost', () => {
  it('multiplies exactly and keeps the price scale', () => {
    expect(estimateSmsCost(3, 100000, '0.0075')).toBe('2250.0000');
    // 0.1 × 3 is 0.30000000000000004 in floating point.
    expect(estimateSmsCost(3, 1, '0.1')).toBe('0.3');
    expect(estimateSmsCost(1, 1, '0.000001')).toBe('0.000001');
    expect(estimateSmsCost(0, 1000, '0.05')).toBe('0.00');
    expect(estimateSmsCost(2, 3, '1')).toBe('6');
    expect(estimateSmsCost(7, 13, '0.0420')).toBe('3.8220');
  });

  it('stays exact beyond the range of a double', () => {
    // 9007199254740991 × 0.01 = 90071992547409.91, which a double cannot hold.
    expect(estimateSmsCost(1, Number.MAX_SAFE_INTEGER, '0.01')).toBe('90071992547409.91');
  });

  it('rejects bad counts, naming the argument', () => {
    expect(() => estimateSmsCost(-1, 1, '0.01')).toThrow(/segments must be a whole number/);
    expect(() => estimateSmsCost(1.5, 1, '0.01')).toThrow(/segments/);
    expect(() => estimateSmsCost(Number.NaN, 1, '0.01')).toThrow(/segments/);
    expect(() => estimateSmsCost(1, -3, '0.01')).toThrow(/recipients must be a whole number/);
    expect(() => estimateSmsCost(1, Number.POSITIVE_INFINITY, '0.01')).toThrow(/recipients/);
    expect(() => estimateSmsCost(1, 2 ** 53, '0.01')).toThrow(/recipients/);
  });

  it('rejects prices that are not plain decimals with up to 6 places', () => {
    for (const price of ['', '.5', '1.', '-0.01', '1e-3', ' 0.01', '0,01', '0.0000001', 'NaN']) {
      expect(() => estimateSmsCost(1, 1, price)).toThrow(/pricePerSegment/);
    }
    expect(() => estimateSmsCost(1, 1, 0.01 as unknown as string)).toThrow(/pricePerSegment/);
  });
});
