import { CATALOGS, CONSOLE_LOCALES, Translator } from '../../console/i18n/translator';
import { callListQuery, callOutcomeForm, parseCallOutcome, type CallFormProblem } from './call-forms';

describe('call outcome form', () => {
  it('reads the outcome, the fields and a call-back time on the organization’s wall clock', () => {
    const form = callOutcomeForm({ outcome: 'call_back', callBackAt: '2026-12-01T10:30', note: '  ﾃｽﾄ  ', agreed: 'maybe' });
    expect(form).toMatchObject({ outcome: 'call_back', note: 'テスト', agreed: '' });
    const parsed = parseCallOutcome(form, 'Asia/Tbilisi');
    // 10:30 in Tbilisi (UTC+4) is 06:30 UTC.
    expect(parsed).toMatchObject({ outcome: 'call_back', callBackAt: new Date('2026-12-01T06:30:00Z'), note: 'テスト', agreedToReturn: null, reasonLabel: null });
  });

  it('names each problem by field: no outcome, a call-back without a time, an impossible time, an overlong note', () => {
    expect(parseCallOutcome(callOutcomeForm({}), 'UTC')).toEqual({ problems: [{ field: 'outcome', key: 'call.problem.outcome' }] });
    expect(parseCallOutcome(callOutcomeForm({ outcome: 'call_back' }), 'UTC')).toEqual({ problems: [{ field: 'callBackAt', key: 'call.problem.callBackAt' }] });
    expect(parseCallOutcome(callOutcomeForm({ outcome: 'call_back', callBackAt: '2026-02-30T10:00' }), 'UTC')).toEqual({ problems: [{ field: 'callBackAt', key: 'form.problem.dateTimeNotReal' }] });
    expect(parseCallOutcome(callOutcomeForm({ outcome: 'reached', note: 'x'.repeat(2001) }), 'UTC')).toEqual({ problems: [{ field: 'note', key: 'call.problem.tooLong', params: { max: 2000 } }] });
  });

  it('gives every problem a message in every console language, saying what is wrong (never the bare key or English in Russian)', () => {
    const problems = [
      ...(parseCallOutcome(callOutcomeForm({ reason: 'r'.repeat(201), clientWords: 'w'.repeat(2001), offerMade: 'o'.repeat(501), note: 'n'.repeat(2001) }), 'UTC') as { problems: CallFormProblem[] }).problems,
      ...(parseCallOutcome(callOutcomeForm({ outcome: 'call_back' }), 'UTC') as { problems: CallFormProblem[] }).problems,
      ...['soon', '2026-02-30T10:00', '1850-01-01T10:00'].flatMap((callBackAt) => (parseCallOutcome(callOutcomeForm({ outcome: 'call_back', callBackAt }), 'UTC') as { problems: CallFormProblem[] }).problems),
    ];
    expect(new Set(problems.map((p) => p.key)).size).toBe(6);
    for (const locale of CONSOLE_LOCALES) {
      for (const p of problems) expect([locale, p.key, Object.hasOwn(CATALOGS[locale], p.key)]).toEqual([locale, p.key, true]);
    }
    const ru = new Translator('ru', 'Asia/Tbilisi', 'GEL');
    const en = new Translator('en', 'Asia/Tbilisi', 'GEL');
    const shown = (t: Translator) => problems.map((p) => `${t.t(`call.field.${p.field}`)}: ${t.t(p.key, p.params)}`);
    expect(shown(en)).toEqual([
      'What happened: choose what happened',
      'Reason they confirmed: at most 200 characters',
      'In their words: at most 2,000 characters',
      'Offer made: at most 500 characters',
      'Note for the team: at most 2,000 characters',
      'Call back at: say when to call back',
      'Call back at: a date and time, e.g. 2026-12-01T10:00',
      'Call back at: is not a calendar date and time',
      'Call back at: must be a date between 1900 and 2100',
    ]);
    expect(shown(ru)[0]).toBe('Что получилось: выберите, чем закончился звонок');
    expect(shown(ru)[5]).toBe('Перезвонить: укажите, когда перезвонить');
    expect(shown(ru)[8]).toBe('Перезвонить: дата должна быть между 1900 и 2100 годом');
    for (const line of shown(ru)) expect(line).not.toMatch(/[A-Za-z]{3,}/);
  });

  it('"use the existing reason" sends its id, which wins over the typed text and any "create it" tick', () => {
    const parsed = parseCallOutcome(callOutcomeForm({ outcome: 'reached', reason: 'Too expensiv', useReason: '42', confirmNew: '1', agreed: 'yes' }), 'UTC');
    expect(parsed).toMatchObject({ reasonId: '42', reasonLabel: null, confirmNewReason: false, agreedToReturn: true });
    expect(callOutcomeForm({ useReason: '1; DROP TABLE' }).useReasonId).toBe('');
  });

  it('falls back to the managers’ to-call list for a query it does not know', () => {
    expect(callListQuery({ queue: 'retention', view: 'done', page: '3' })).toEqual({ queue: 'retention', view: 'done', page: 3 });
    expect(callListQuery({ queue: 'x', view: ['done'], page: '-1' })).toEqual({ queue: 'managers', view: 'to_call', page: 1 });
  });
});
