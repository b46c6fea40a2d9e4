/** A price per segment as providers quote it: a plain decimal, at most 6 decimal places. */
const PRICE_PATTERN = /^\d+(\.\d{1,6})?$/;

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`estimateSmsCost: ${name} must be a whole number >= 0 (got ${String(value)})`);
  }
}

/**
 * Cost of sending `segments` segments to each of `recipients`, as a decimal string with the
 * price's number of decimal places ("0.0075" × 3 × 100000 = "2250.0000"). Computed in BigInt
 * units of the price's last decimal place, so it is exact for any count: campaign estimates add
 * up to the cent, where floats would not ("0.1" × 3 is 0.30000000000000004 in a double).
 */
export function estimateSmsCost(segments: number, recipients: number, pricePerSegment: string): string {
  assertCount('segments', segments);
  assertCount('recipients', recipients);
  if (typeof pricePerSegment !== 'string' || !PRICE_PATTERN.test(pricePerSegment)) {
    throw new RangeError(`estimateSmsCost: pricePerSegment must be a decimal like "0.0075" with at most 6 decimal places (got ${JSON.stringify(pricePerSegment)})`);
  }
  const [whole, fraction = ''] = pricePerSegment.split('.');
  const scale = fraction.length;
  const total = BigInt(whole + fraction) * BigInt(segments) * BigInt(recipients);
  if (scale === 0) return total.toString();
  const digits = total.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
