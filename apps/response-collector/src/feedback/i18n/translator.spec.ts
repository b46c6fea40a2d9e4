import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHANNELS } from '@comeback/domain';
import { CATALOGS, choosePageLocale, isRightToLeft, PublicTranslator, visitorLanguage } from './translator';

/** The message keys the public pages use literally ({{t "key"}} in views, t.t('key') in code), in the feedback and unsubscribe folders. */
function keysUsedInCode(): Set<string> {
  const used = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(hbs|ts)$/.test(entry.name) && !entry.name.endsWith('.spec.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/\{\{t "([\w.]+)"|\bt\.t\('([\w.]+)'/g)) used.add(m[1] ?? m[2]);
      }
    }
  };
  walk(join(__dirname, '..'));
  walk(join(__dirname, '..', '..', 'unsubscribe'));
  return used;
}

describe('public page message catalogs', () => {
  it('give every catalog exactly the keys English has, none empty', () => {
    const english = Object.keys(CATALOGS.en).sort();
    for (const [language, catalog] of Object.entries(CATALOGS)) {
      expect({ language, keys: Object.keys(catalog).sort() }).toEqual({ language, keys: english });
      expect({ language, empty: Object.entries(catalog).filter(([, v]) => !v.trim()).map(([k]) => k) }).toEqual({ language, empty: [] });
    }
  });

  it('cover at least English, Russian, Georgian and Arabic, with the same parameters in every translation', () => {
    expect(Object.keys(CATALOGS)).toEqual(expect.arrayContaining(['en', 'ru', 'ka', 'ar']));
    const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [language, catalog] of Object.entries(CATALOGS)) {
      for (const [key, text] of Object.entries(CATALOGS.en)) expect({ language, key, params: params(catalog[key]) }).toEqual({ language, key, params: params(text) });
    }
  });

  it('have an English text for every key the pages use, and for each channel\'s unsubscribe sentences', () => {
    const t = new PublicTranslator('en');
    const used = [...keysUsedInCode(), ...CHANNELS.flatMap((c) => [`unsubscribe.question.${c}`, `unsubscribe.done.${c}`])];
    expect(used.length).toBeGreaterThan(30);
    expect(used.filter((key) => !t.has(key))).toEqual([]);
    for (const field of ['reason', 'text', 'callTime', 'rating', 'empty', 'form']) expect(t.has(`feedback.problem.${field}`)).toBe(true);
  });

  it('fill parameters, fall back to English, and give the key itself when nobody has it', () => {
    const ka = new PublicTranslator('ka');
    expect(ka.t('thanks.callAt', { time: '18:00' })).toBe('დაგირეკავთ. თქვენთვის სასურველი დრო: 18:00.');
    expect(new PublicTranslator('xx').language).toBe('en');
    expect(ka.t('no.such.key')).toBe('no.such.key');
  });
});

describe('page language', () => {
  it('is the client\'s, else the message\'s, else the organization\'s, else English: the first with a catalog', () => {
    expect(choosePageLocale(['ru-RU', 'ka', 'en'])).toEqual({ language: 'ru', tag: 'ru-ru' });
    expect(choosePageLocale([null, 'ka_GE', 'en'])).toEqual({ language: 'ka', tag: 'ka-ge' });
    expect(choosePageLocale(['de', 'fr', 'ar'])).toEqual({ language: 'ar', tag: 'ar' });
    expect(choosePageLocale(['de', '', undefined])).toEqual({ language: 'en', tag: 'en' });
  });

  it('is right to left for Arabic, Hebrew and Persian only', () => {
    expect(['ar', 'ar-EG', 'he', 'fa-IR', 'ur'].map(isRightToLeft)).toEqual([true, true, true, true, true]);
    expect(['en', 'ka', 'ru', 'tr'].map(isRightToLeft)).toEqual([false, false, false, false]);
    expect(new PublicTranslator('ar').dir).toBe('rtl');
    expect(new PublicTranslator('he').dir).toBe('rtl');
    expect(new PublicTranslator('fa').dir).toBe('rtl');
    expect(new PublicTranslator('ka').dir).toBe('ltr');
  });

  it('for an unknown visitor follows their browser\'s languages by weight', () => {
    expect(visitorLanguage('de-DE, ka;q=0.8, en;q=0.9')).toBe('en');
    expect(visitorLanguage('de-DE, ka;q=0.9, en;q=0.8')).toBe('ka');
    expect(visitorLanguage('ar-SA')).toBe('ar');
    expect(visitorLanguage('*')).toBe('en');
    expect(visitorLanguage(undefined)).toBe('en');
  });

  it('formats dates in the organization\'s time zone', () => {
    // 22:30 UTC is already the next day in Tbilisi (UTC+4).
    expect(new PublicTranslator('en', 'Asia/Tbilisi').formatDateTime(new Date('2026-03-01T22:30:00Z'))).toContain('March 2, 2026');
  });
});
