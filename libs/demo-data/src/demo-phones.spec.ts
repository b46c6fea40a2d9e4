import { isValidPhoneNumber, parsePhoneNumber } from 'libphonenumber-js';
import { parsePhoneNumber as parseWithFullMetadata } from 'libphonenumber-js/max';
import { DEMO_PHONE_COUNTRIES } from './demo-languages';
import { DemoPhoneBook, phonePlanFor } from './demo-phones';

describe('demo phone numbers', () => {
  const book = new DemoPhoneBook(42);

  it.each(DEMO_PHONE_COUNTRIES)('%s: enough verified heads for a million unique numbers', (country) => {
    const plan = phonePlanFor(country);
    expect(plan.capacity).toBeGreaterThanOrEqual(1_000_000);
    expect(new Set(plan.heads).size).toBe(plan.heads.length);
  });

  it.each(DEMO_PHONE_COUNTRIES)('%s: numbers are valid mobiles in E.164, and unique', (country) => {
    const seen = new Set<string>();
    const problems: string[] = [];
    // Spread the indexes over the whole 0..1M range the generator may use.
    for (let i = 0; i < 3000; i++) {
      const e164 = book.e164For(country, i * 333 + (i % 7));
      const full = parseWithFullMetadata(e164);
      const type = full.getType();
      if (!/^\+\d{8,15}$/.test(e164) || !isValidPhoneNumber(e164)) problems.push(`${e164}: invalid`);
      if (full.country !== country) problems.push(`${e164}: of ${full.country}`);
      if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') problems.push(`${e164}: ${type}`);
      seen.add(e164);
    }
    expect(problems).toEqual([]);
    expect(seen.size).toBe(3000);
  });

  it('gives consecutive clients unrelated numbers, and all of them distinct', () => {
    const numbers = Array.from({ length: 50_000 }, (_, i) => book.e164For('GE', i));
    expect(new Set(numbers).size).toBe(numbers.length);
    const lastDigits = new Set(numbers.slice(0, 100).map((n) => n.slice(-2)));
    expect(lastDigits.size).toBeGreaterThan(50);
  });

  it.each(DEMO_PHONE_COUNTRIES)('%s: the national form is valid and the same number', (country) => {
    const problems: string[] = [];
    for (let i = 0; i < 300; i++) {
      const national = book.nationalFor(country, i * 3001);
      if (national.startsWith('+') || !isValidPhoneNumber(national, country)) {
        problems.push(`${national}: not a valid national number`);
        continue;
      }
      const parsed = parsePhoneNumber(national, country);
      if (parsed.number !== book.e164For(country, i * 3001)) problems.push(`${national}: another number than the E.164 one`);
      if (parsed.formatNational() !== national) problems.push(`${national}: libphonenumber-js writes ${parsed.formatNational()}`);
    }
    expect(problems).toEqual([]);
  });

  it('writes Georgian numbers the local way', () => {
    expect(book.nationalFor('GE', 5)).toMatch(/^5\d\d \d\d \d\d \d\d$/);
  });

  it('maps clients to other numbers under another seed', () => {
    const other = new DemoPhoneBook(7);
    const same = Array.from({ length: 100 }, (_, i) => book.e164For('TR', i) === other.e164For('TR', i)).filter(Boolean);
    expect(same.length).toBeLessThan(5);
  });
});
