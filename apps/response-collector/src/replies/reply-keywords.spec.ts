import { KEYWORD_LANGUAGES, keywordConfirmation, keywordsOf, replyKeyword, replyKeywordWithLanguage, type ReplyKeyword } from './reply-keywords';

const ORG = { name: 'Tbilisi Smile', contact: '+995 32 200 00 00' };

describe('reply keywords', () => {
  it('reads a whole reply as a keyword in any case, width and punctuation, and nothing else', () => {
    expect(replyKeywordWithLanguage(' СТОП! ')).toEqual({ keyword: 'opt_out', language: 'ru' });
    expect(replyKeywordWithLanguage('Ｓｔｏｐ')).toEqual({ keyword: 'opt_out', language: 'en' });
    expect(replyKeywordWithLanguage('Arrêt.')).toEqual({ keyword: 'opt_out', language: 'fr' });
    expect(replyKeywordWithLanguage('ՍՏՈՊ')).toEqual({ keyword: 'opt_out', language: 'hy' });
    expect(replyKeywordWithLanguage('نعم')).toEqual({ keyword: 'opt_in', language: 'ar' });
    expect(replyKeyword('please stop sending')).toBeNull();
    expect(replyKeyword('2')).toBeNull();
  });

  it.each(KEYWORD_LANGUAGES)('confirms each keyword in %s, naming a word of that language that undoes it', (language) => {
    const words = keywordsOf(language);
    const undo: Record<ReplyKeyword, readonly string[]> = { opt_out: words.opt_in, opt_in: words.opt_out, help: words.opt_out };
    for (const keyword of ['opt_out', 'opt_in', 'help'] as const) {
      expect(words[keyword].length).toBeGreaterThan(0);
      const text = keywordConfirmation(keyword, language, ORG);
      expect(text.startsWith(ORG.name)).toBe(true);
      expect(text).not.toMatch(/[{}]/);
      const lower = text.normalize('NFKC').toLowerCase();
      // The word it names is one of that language's own, for the opposite request.
      expect(undo[keyword].some((w) => lower.includes(w.toLowerCase()))).toBe(true);
      // And it is read back as that request in that language.
      const named = undo[keyword].find((w) => lower.includes(w.toLowerCase()))!;
      expect(replyKeywordWithLanguage(named)?.language).toBe(language);
    }
  });

  it('puts the contact in HELP only when there is one, and never reads a name as a placeholder', () => {
    expect(keywordConfirmation('help', 'en', ORG)).toBe('Tbilisi Smile: +995 32 200 00 00. Reply STOP to opt out.');
    expect(keywordConfirmation('help', 'en', { name: 'Smile', contact: null })).toBe('Smile. Reply STOP to opt out.');
    expect(keywordConfirmation('help', 'fr', ORG)).toBe('Tbilisi Smile : +995 32 200 00 00. Répondez ARRÊT pour vous désabonner.');
    expect(keywordConfirmation('opt_out', 'en', { name: 'A$&B {contact}', contact: '$1' })).toBe('A$&B {contact}: you will get no more texts from us. Reply START to undo.');
  });
});
