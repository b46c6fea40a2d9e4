import { DEMO_LANGUAGES, type DemoLanguage } from './demo-languages';
import { composeName, DEMO_NAMES } from './demo-names';
import { SeededRandom } from './seeded-random';

/** The script each language's names must be written in. */
const SCRIPT_OF: Record<DemoLanguage, RegExp> = {
  ka: /^[\p{Script=Georgian}' -]+$/u,
  en: /^[\p{Script=Latin}' -]+$/u,
  ru: /^[\p{Script=Cyrillic} -]+$/u,
  tr: /^[\p{Script=Latin} -]+$/u,
  gu: /^[\p{Script=Gujarati} -]+$/u,
  bn: /^[\p{Script=Bengali} -]+$/u,
  lo: /^[\p{Script=Lao} -]+$/u,
};

describe('demo names', () => {
  it.each(DEMO_LANGUAGES)('%s: a few dozen NFKC-normalised names in the right script', (language) => {
    const list = DEMO_NAMES[language];
    const all = [...list.male, ...list.female, ...list.family];
    expect(list.male.length + list.female.length).toBeGreaterThanOrEqual(24);
    expect(list.family.length).toBeGreaterThanOrEqual(20);
    for (const name of all) {
      expect(name).toBe(name.normalize('NFKC'));
      expect(name).toMatch(SCRIPT_OF[language]);
    }
    expect(new Set(all).size).toBeGreaterThan(all.length - 3); // no copy-paste lists
  });

  it('uses the Turkish letters', () => {
    const turkish = [...DEMO_NAMES.tr.male, ...DEMO_NAMES.tr.female, ...DEMO_NAMES.tr.family].join('');
    for (const letter of ['ç', 'ğ', 'ı', 'ö', 'ş', 'ü', 'İ']) expect(turkish).toContain(letter);
  });

  it('composes names deterministically, with Russian family names agreeing in gender', () => {
    const names = (seed: number) => {
      const random = SeededRandom.derive(seed);
      return Array.from({ length: 400 }, () => composeName('ru', random));
    };
    expect(names(1)).toEqual(names(1));
    const composed = names(1);
    expect(composed.some((n) => /(ова|ева|ская)$/u.test(n))).toBe(true);
    // A female given name never comes with a masculine -ов surname.
    const femaleGiven = new Set(DEMO_NAMES.ru.female);
    for (const name of composed.filter((n) => !n.includes(','))) {
      const [given, family] = name.split(' ');
      if (femaleGiven.has(given)) expect(family).not.toMatch(/(ов|ев|ин|ский)$/u);
    }
  });

  it('sometimes writes "Family, Given" or a quoted nickname, which CSV must escape', () => {
    const random = SeededRandom.derive(9);
    const names = Array.from({ length: 5000 }, () => composeName('en', random));
    expect(names.some((n) => n.includes(', '))).toBe(true);
    expect(names.some((n) => /^\S+ "\S+" \S+$/u.test(n))).toBe(true);
    expect(names.filter((n) => /[",]/.test(n)).length).toBeLessThan(250);
  });
});
