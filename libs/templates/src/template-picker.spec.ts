import type { TemplateDefinition } from './template-definition';
import { normaliseLocale } from './locale-tag';
import { pickTemplate } from './template-picker';

const sms = (locale: string): TemplateDefinition<'sms'> => ({ channel: 'sms', locale, parts: { text: `text in ${locale}` } });
const email = (locale: string): TemplateDefinition<'email'> => ({ channel: 'email', locale, parts: { subject: locale, html: locale, text: locale } });
const picked = (templates: TemplateDefinition[], clientLocale?: string | null, organizationLocale?: string | null) => {
  const result = pickTemplate(templates, { channel: 'sms', clientLocale, organizationLocale });
  return result && { text: (result.template.parts as { text: string }).text, locale: result.locale, match: result.match };
};

describe('pickTemplate', () => {
  it("takes the client's exact locale first", () => {
    expect(picked([sms('ka'), sms('ka-GE'), sms('en')], 'ka-GE', 'en')).toEqual({ text: 'text in ka-GE', locale: 'ka-GE', match: 'client-locale' });
  });

  it("falls back from the client's locale to its language", () => {
    expect(picked([sms('en'), sms('ru'), sms('ka')], 'ka-GE', 'ru')).toEqual({ text: 'text in ka', locale: 'ka', match: 'client-language' });
    // A regional template of the language serves when there is no bare-language one.
    expect(picked([sms('en'), sms('pt-BR')], 'pt-PT', 'en')).toEqual({ text: 'text in pt-BR', locale: 'pt-BR', match: 'client-language' });
  });

  it("falls back to the organization's default locale, then its language", () => {
    expect(picked([sms('en'), sms('ru-RU'), sms('ru')], 'hy-AM', 'ru-RU')).toEqual({ text: 'text in ru-RU', locale: 'ru-RU', match: 'organization-locale' });
    expect(picked([sms('en'), sms('ru')], 'hy-AM', 'ru-RU')).toEqual({ text: 'text in ru', locale: 'ru', match: 'organization-language' });
    expect(picked([sms('en'), sms('ru')], undefined, 'ru')).toEqual({ text: 'text in ru', locale: 'ru', match: 'organization-locale' });
  });

  it('falls back to English last', () => {
    expect(picked([sms('ru'), sms('en')], 'ka-GE', 'ka')).toEqual({ text: 'text in en', locale: 'en', match: 'english' });
    expect(picked([sms('ru'), sms('en-US')], null, null)).toEqual({ text: 'text in en-US', locale: 'en-US', match: 'english' });
  });

  it('returns null when nothing in the chain has a template for the channel', () => {
    expect(picked([sms('ru')], 'ka-GE', 'ka')).toBeNull();
    expect(picked([email('ka-GE'), email('en')], 'ka-GE', 'en')).toBeNull();
    expect(picked([], 'en', 'en')).toBeNull();
  });

  it('matches locales normalised and case-insensitively', () => {
    expect(picked([sms('en'), sms('PT-br')], 'pt_BR', 'en')).toEqual({ text: 'text in PT-br', locale: 'pt-BR', match: 'client-locale' });
    expect(picked([sms('en'), sms('ka_ge')], 'KA-GE', 'en')).toEqual({ text: 'text in ka_ge', locale: 'ka-GE', match: 'client-locale' });
    expect(picked([sms('en'), sms('ka')], 'not a locale!', 'ka_GE.UTF-8')).toEqual({ text: 'text in ka', locale: 'ka', match: 'organization-language' });
  });

  it('only considers templates of the channel asked for', () => {
    const result = pickTemplate([sms('en'), email('ka')], { channel: 'email', clientLocale: 'ka-GE' });
    expect(result?.template.channel).toBe('email');
    expect(result?.match).toBe('client-language');
  });
});

describe('normaliseLocale', () => {
  it('gives canonical BCP-47 tags, or null for what is not a locale', () => {
    expect(normaliseLocale('pt_br')).toBe('pt-BR');
    expect(normaliseLocale(' EN-us ')).toBe('en-US');
    expect(normaliseLocale('en_US.UTF-8')).toBe('en-US');
    expect(normaliseLocale('sr_latn_rs')).toBe('sr-Latn-RS');
    expect(normaliseLocale('')).toBeNull();
    expect(normaliseLocale('not a locale!')).toBeNull();
    expect(normaliseLocale(undefined)).toBeNull();
  });
});
