import { foldForMatching, matchReason, matchTokens, MATCH_THRESHOLD, reasonsNamed, scoreReasons, wordSimilarity, type ReasonBook } from './reason-matcher';
import { labelFromText, normaliseReasonText, reasonKey, MAX_REASON_KEY_LENGTH } from './reason-text';

const book: ReasonBook = {
  reasons: [
    { id: 'price', label: 'Too expensive', labels: { ru: 'Слишком дорого', ka: 'ძალიან ძვირია', tr: 'Çok pahalı', ar: 'الأسعار مرتفعة', hy: 'Շատ թանկ է' }, aliases: ['prices went up', '太贵'] },
    { id: 'moved', label: 'Moved away', labels: { ru: 'Переезд', de: 'Umgezogen' }, aliases: ['moved to another city'] },
    { id: 'time', label: 'No time', labels: { ka: 'დრო არ მაქვს', de: 'Keine Zeit' }, aliases: ['too busy'] },
    { id: 'staff', label: 'Rude staff', labels: { es: 'Personal grosero' } },
    { id: 'need', label: 'No longer needed', labels: { de: 'Nicht mehr nötig' } },
    { id: 'thai', label: 'ราคาแพง' },
  ],
};

describe('reason text normalisation', () => {
  it('folds width and case (full case folding), drops emoji, their modifiers and invisible marks', () => {
    expect(normaliseReasonText('  ＴＯＯ   Expensive!!! 👍🏽 ❤️ 👨‍👩‍👧')).toBe('too expensive');
    expect(normaliseReasonText('\u200fغالي\u200f جدا')).toBe('غالي جدا');
    expect(normaliseReasonText('STRASSE')).toBe(normaliseReasonText('straße'));
    expect(normaliseReasonText('🙄🙄')).toBe('');
  });

  it('keeps the joiners that spell words (Persian ZWNJ, Indic ZWJ)', () => {
    expect(normaliseReasonText('می\u200cخواهم')).toBe('می\u200cخواهم');
  });

  it('makes a label of a reply: no emoji, no punctuation around it, case and inner punctuation kept', () => {
    expect(labelFromText('  My kids grew up 🙂!! ')).toBe('My kids grew up');
    expect(labelFromText('¿Quién es? 👨‍👩‍👧')).toBe('Quién es');
    expect(labelFromText('«Цены выросли», увы...')).toBe('Цены выросли», увы');
  });

  it('caps the stored key of a very long text', () => {
    const long = 'ძვირია '.repeat(200);
    expect(Array.from(reasonKey(long)).length).toBeLessThanOrEqual(MAX_REASON_KEY_LENGTH);
    expect(reasonKey(long).startsWith('ძვირია ძვირია')).toBe(true);
  });

  it('folds for matching: Latin, Greek and Cyrillic accents, Turkish i, Arabic marks and letter variants, emphasis', () => {
    expect(foldForMatching(normaliseReasonText('ÇOK PAHALI'))).toBe('cok pahali');
    expect(foldForMatching(normaliseReasonText('İzmir'))).toBe('izmir');
    expect(foldForMatching(normaliseReasonText('всё ещё'))).toBe('все еще');
    expect(foldForMatching('الأسعار مُرتفعة')).toBe('الاسعار مرتفعه');
    expect(foldForMatching('غاااالي soooo')).toBe('غالي so');
    // Vowel signs of Brahmic scripts are letters, not accents.
    expect(foldForMatching('ডাক্তার')).toBe('ডাক্তার');
  });

  it('cuts unspaced scripts into character n-grams, keeps words elsewhere, drops the Arabic article', () => {
    expect(matchTokens('太贵了')).toEqual(['太', '贵', '了', '太贵', '贵了']);
    expect(matchTokens('ราคาแพง')).toEqual(['ราค', 'าคา', 'คาแ', 'าแพ', 'แพง']);
    expect(matchTokens('ძალიან ძვირია')).toEqual(['ძალიან', 'ძვირია']);
    expect(matchTokens('الاسعار مرتفعه')).toEqual(['اسعار', 'مرتفعه']);
  });
});

describe('word similarity', () => {
  it('is high for typos and word forms, in any script', () => {
    expect(wordSimilarity('expnsive', 'expensive')).toBeGreaterThan(0.8);
    expect(wordSimilarity('дороговато', 'дорого')).toBeGreaterThan(0.8);
    expect(wordSimilarity('გაძვირდა', 'ძვირი')).toBeGreaterThan(0.6);
    expect(wordSimilarity('pahalıya', 'pahalı')).toBeGreaterThan(0.8);
    expect(wordSimilarity('սպասարկումը', 'սպասարկում')).toBeGreaterThan(0.9);
  });

  it('is 0 for unrelated words, short words that differ, shared endings and n-grams that differ', () => {
    expect(wordSimilarity('was', 'waits')).toBe(0);
    expect(wordSimilarity('estacionamiento', 'tratamiento')).toBe(0);
    expect(wordSimilarity('wartezimmer', 'warteschlange')).toBe(0);
    expect(wordSimilarity('太贵', '太忙')).toBe(0);
    expect(wordSimilarity('дорого', 'здоровью')).toBe(0);
  });
});

describe('matchReason', () => {
  it('matches a label in any locale or an alias exactly, whatever the case, spacing, punctuation', () => {
    for (const [text, id] of [
      ['TOO EXPENSIVE!!!', 'price'],
      ['слишком   дорого.', 'price'],
      ['ძალიან ძვირია', 'price'],
      ['Prices went up 😡', 'price'],
      ['keine zeit', 'time'],
    ] as const) {
      const m = matchReason(text, book);
      expect(m).toMatchObject({ outcome: 'matched', reasonId: id, matchedBy: 'alias', score: 1, bestReasonId: id });
    }
  });

  it('matches the same text written without accents or with Arabic letter variants, as fuzzy with score 1', () => {
    expect(matchReason('cok pahali', book)).toMatchObject({ reasonId: 'price', matchedBy: 'fuzzy', score: 1 });
    expect(matchReason('الاسعار مرتفعه', book)).toMatchObject({ reasonId: 'price', matchedBy: 'fuzzy', score: 1 });
  });

  it('matches typos, word forms and extra words by fuzzy similarity, keeping the score', () => {
    for (const [text, id] of [
      ['too expnsive', 'price'],
      ['the prices went up so much', 'price'],
      ['слишком дорого стало', 'price'],
      ['ძალიან ძვირი', 'price'],
      ['çok pahalıya geldi', 'price'],
      ['շատ թանկ', 'price'],
      ['太贵了！', 'price'],
      ['ราคาแพงมาก', 'thai'],
      ['we moved to another city last year', 'moved'],
      ['the staff was so rude', 'staff'],
    ] as const) {
      const m = matchReason(text, book);
      expect({ text, outcome: m.outcome, reasonId: m.reasonId, matchedBy: m.matchedBy }).toEqual({ text, outcome: 'matched', reasonId: id, matchedBy: 'fuzzy' });
      expect(m.score).toBeGreaterThanOrEqual(MATCH_THRESHOLD);
      expect(m.score).toBeLessThan(1);
    }
  });

  it('judges nothing too short or empty', () => {
    for (const text of ['ok', '??', '👍', '   ', 'no']) expect(matchReason(text, book).outcome).toBe('none');
    // One Han character is a word.
    expect(matchReason('贵', book).outcome).not.toBe('none');
  });

  it('makes a candidate of a new reason, keeping the closest reason and its score', () => {
    const m = matchReason('there is never any parking', book);
    expect(m).toMatchObject({ outcome: 'candidate', reasonId: null, matchedBy: null, normalized: 'there is never any parking' });
    const near = matchReason('the prices are fine but the parking is a nightmare and the music is loud', book);
    expect(near).toMatchObject({ outcome: 'candidate', reasonId: null, bestReasonId: 'price' });
    expect(near.score).toBeGreaterThan(0);
    expect(near.score).toBeLessThan(MATCH_THRESHOLD);
  });

  it('gives function words little weight: sharing "nicht mehr" is not enough', () => {
    expect(matchReason('Versicherung zahlt nicht mehr', book).reasonId).toBeNull();
    expect(matchReason('brauche es nicht mehr, Behandlung ist vorbei, nicht mehr nötig', book).reasonId).toBe('need');
  });

  it('weighs a negated phrase less against a reply that negates nothing', () => {
    const negated = scoreReasons('no time at all', book).find((s) => s.reasonId === 'time')!.score;
    const plain = scoreReasons('a time', book).find((s) => s.reasonId === 'time')?.score ?? 0;
    expect(plain).toBeLessThan(negated * 0.8);
  });

  it('leaves a text two reasons claim equally to staff', () => {
    const twice: ReasonBook = { reasons: [...book.reasons, { id: 'other', label: 'Too expensive' }] };
    expect(reasonsNamed('too expensive', twice).sort()).toEqual(['other', 'price']);
    expect(matchReason('too expensive', twice)).toMatchObject({ outcome: 'candidate', reasonId: null });
  });

  it('scores every reason with any likeness, best first, with the phrase that scored', () => {
    const scores = scoreReasons('prices went up, and I moved', book);
    expect(scores.map((s) => s.reasonId).slice(0, 2).sort()).toEqual(['moved', 'price']);
    expect(scores[0].score).toBeGreaterThanOrEqual(scores[1].score);
    expect(scores.find((s) => s.reasonId === 'price')!.text).toBe('prices went up');
  });
});
