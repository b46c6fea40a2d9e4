import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGS, negotiateLocale, Translator } from './translator';

/** The message keys a view or controller uses literally ({{t "key"}} and t.t('key')). */
function keysUsedInCode(): Set<string> {
  const root = join(__dirname, '..', '..');
  const used = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(hbs|ts)$/.test(entry.name) && !entry.name.endsWith('.spec.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/\{\{t "([\w.]+)"|\bt\.t\('([\w.]+)'/g)) used.add(m[1] ?? m[2]);
      }
    }
  };
  walk(root);
  return used;
}

describe('console message catalogs', () => {
  it('give every catalog the same keys as English (plural forms may differ by language)', () => {
    const base = (key: string) => key.replace(/\.(zero|one|two|few|many|other)$/, '');
    const english = new Set(Object.keys(CATALOGS.en).map(base));
    for (const [locale, catalog] of Object.entries(CATALOGS)) {
      expect({ locale, missing: [...english].filter((k) => !Object.keys(catalog).some((c) => base(c) === k)) }).toEqual({ locale, missing: [] });
    }
  });

  it('have an English text for every key the pages use', () => {
    const t = new Translator('en', 'UTC', 'GEL');
    const missing = [...keysUsedInCode()].filter((key) => !t.has(key) && !t.has(`${key}.other`));
    expect(missing).toEqual([]);
  });

  it('choose plural forms by the language\'s rules and fill parameters', () => {
    const ru = new Translator('ru', 'Asia/Tbilisi', 'GEL');
    expect(ru.t('lost.total', { count: 1 })).toBe('Найден 1 клиент.');
    expect(ru.t('lost.total', { count: 3 })).toBe('Найдено 3 клиента.');
    expect(ru.t('lost.total', { count: 25 })).toBe('Найдено 25 клиентов.');
    const en = new Translator('en', 'Asia/Tbilisi', 'GEL');
    expect(en.t('lost.total', { count: 1 })).toBe('1 client matches.');
    expect(en.t('lost.total', { count: 1234 })).toBe('1,234 clients match.');
    expect(en.t('no.such.key')).toBe('no.such.key');
  });

  it('format dates in the organization\'s time zone and calendar dates as they are', () => {
    const en = new Translator('en', 'Asia/Tbilisi', 'GEL');
    // 22:30 UTC is already the next day in Tbilisi (UTC+4).
    expect(en.formatDayTime(new Date('2026-03-01T22:30:00Z'))).toContain('Mar 2, 2026');
    expect(en.formatDay('2026-03-01')).toBe('Mar 1, 2026');
    expect(en.formatMoney(1234.5).replace(/\s/g, ' ')).toBe('GEL 1,234.50'); // Intl puts a no-break space after the code
    expect(en.formatPercent(0.4567)).toBe('45.7%');
  });

  it('negotiate the console language: chosen, then browser, then the organization, then English', () => {
    expect(negotiateLocale('ru', 'en-GB', 'en')).toBe('ru');
    expect(negotiateLocale(undefined, 'ka-GE, ru;q=0.8, en;q=0.5', 'en')).toBe('ru');
    expect(negotiateLocale(undefined, 'ka', 'ru-RU')).toBe('ru');
    expect(negotiateLocale('xx', 'lo', 'ka')).toBe('en');
  });
});
