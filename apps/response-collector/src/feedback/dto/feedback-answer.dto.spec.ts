import { cleanLine, cleanText, parseFeedbackAnswer, submittedValues } from './feedback-answer.dto';

describe('feedback answer', () => {
  it('cleans the client\'s words: NFKC, line breaks, control characters, surrounding space', () => {
    expect(cleanText('  Ｈｅｌｌｏ ① ﬁne\r\nok\u0000\u0007  ')).toBe('Hello 1 fine\nok');
    expect(cleanText(' \r\n\t ')).toBeNull();
    expect(cleanText('ძალიან ძვირია')).toBe('ძალიან ძვირია');
    expect(cleanText('غالي جداً')).toBe('غالي جداً');
    expect(cleanLine(' after\n\n 18:00\t please ')).toBe('after 18:00 please');
  });

  it('accepts a full answer and keeps the call time only with "call me"', () => {
    expect(parseFeedbackAnswer({ reason: '12', text: ' Too far ', callMe: 'yes', callTime: ' evenings ', rating: '5', submit: '' })).toEqual({
      ok: true,
      answer: { reasonId: '12', text: 'Too far', callMe: true, callTime: 'evenings', rating: 5 },
    });
    expect(parseFeedbackAnswer({ reason: '', text: 'words', callTime: 'evenings', rating: '' })).toEqual({
      ok: true,
      answer: { reasonId: null, text: 'words', callMe: false, callTime: null, rating: null },
    });
    expect(parseFeedbackAnswer({ rating: '1' })).toMatchObject({ ok: true, answer: { rating: 1 } });
  });

  it('names each problem by its field', () => {
    expect(parseFeedbackAnswer({ reason: '-1' })).toEqual({ ok: false, problems: ['reason'] });
    expect(parseFeedbackAnswer({ reason: '1e3' })).toEqual({ ok: false, problems: ['reason'] });
    expect(parseFeedbackAnswer({ reason: '9'.repeat(19) })).toEqual({ ok: false, problems: ['reason'] });
    expect(parseFeedbackAnswer({ text: 'a'.repeat(2001) })).toEqual({ ok: false, problems: ['text'] });
    expect(parseFeedbackAnswer({ text: '😀'.repeat(2000) })).toMatchObject({ ok: true });
    // NFKC first: one ligature character becomes two letters, and it is the cleaned text that must fit.
    expect(parseFeedbackAnswer({ text: 'ﬁ'.repeat(1001) })).toEqual({ ok: false, problems: ['text'] });
    expect(parseFeedbackAnswer({ reason: '1', callMe: 'yes', callTime: 'x'.repeat(101) })).toEqual({ ok: false, problems: ['callTime'] });
    expect(parseFeedbackAnswer({ reason: '1', rating: '0' })).toEqual({ ok: false, problems: ['rating'] });
    expect(parseFeedbackAnswer({ reason: '1', rating: '4.5' })).toEqual({ ok: false, problems: ['rating'] });
    expect(parseFeedbackAnswer({ reason: '1', callMe: 'please' })).toEqual({ ok: false, problems: ['form'] });
    expect(parseFeedbackAnswer({ reason: ['1', '2'] })).toEqual({ ok: false, problems: ['form'] });
    expect(parseFeedbackAnswer({ text: { nested: 'x' } })).toEqual({ ok: false, problems: ['form'] });
    expect(parseFeedbackAnswer({ reason: 'x', rating: '9' })).toEqual({ ok: false, problems: ['reason', 'rating'] });
  });

  it('refuses an answer with nothing in it', () => {
    expect(parseFeedbackAnswer({})).toEqual({ ok: false, problems: ['empty'] });
    expect(parseFeedbackAnswer(null)).toEqual({ ok: false, problems: ['empty'] });
    expect(parseFeedbackAnswer({ reason: '', text: '  ', callTime: 'morning', rating: '' })).toEqual({ ok: false, problems: ['empty'] });
  });

  it('keeps what was sent, as text only, to show the form again', () => {
    expect(submittedValues({ reason: '3', text: '<b>', callMe: 'yes', callTime: ['a'], rating: 7 })).toEqual({ reason: '3', text: '<b>', callMe: true, callTime: '', rating: '' });
  });
});
