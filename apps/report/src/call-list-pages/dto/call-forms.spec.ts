import { callListQuery, callOutcomeForm, parseCallOutcome } from './call-forms';

describe('call outcome form', () => {
  it('reads the outcome, the fields and a call-back time on the organization’s wall clock', () => {
    const form = callOutcomeForm({ outcome: 'call_back', callBackAt: '2026-12-01T10:30', note: '  ﾃｽﾄ  ', agreed: 'maybe' });
    expect(form).toMatchObject({ outcome: 'call_back', note: 'テスト', agreed: '' });
    const parsed = parseCallOutcome(form, 'Asia/Tbilisi');
    // 10:30 in Tbilisi (UTC+4) is 06:30 UTC.
    expect(parsed).toMatchObject({ outcome: 'call_back', callBackAt: new Date('2026-12-01T06:30:00Z'), note: 'テスト', agreedToReturn: null, reasonLabel: null });
  });

  it('names each problem by field: no outcome, a call-back without a time, an impossible time, an overlong note', () => {
    expect(parseCallOutcome(callOutcomeForm({}), 'UTC')).toEqual({ problems: [{ field: 'outcome', message: 'choose what happened' }] });
    expect(parseCallOutcome(callOutcomeForm({ outcome: 'call_back' }), 'UTC')).toEqual({ problems: [{ field: 'callBackAt', message: 'say when to call back' }] });
    expect(parseCallOutcome(callOutcomeForm({ outcome: 'call_back', callBackAt: '2026-02-30T10:00' }), 'UTC')).toEqual({ problems: [{ field: 'callBackAt', message: 'is not a calendar date and time' }] });
    expect(parseCallOutcome(callOutcomeForm({ outcome: 'reached', note: 'x'.repeat(2001) }), 'UTC')).toEqual({ problems: [{ field: 'note', message: 'at most 2000 characters' }] });
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
