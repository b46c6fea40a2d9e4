import { CALL_OUTCOMES, CALL_QUEUES, CALL_VIEWS, type CallOutcomeKind, type CallQueue, type CallView } from '@comeback/call-list';
import { localDateTime } from '../../console/calendar-date';

/** The outcome form as typed, sent back with the page when something in it is wrong. */
export interface CallOutcomeForm {
  outcome: CallOutcomeKind | '';
  reason: string;
  /** "Use <existing reason>" on the near-duplicate warning: that reason's id instead of the typed text. */
  useReasonId: string;
  confirmNew: boolean;
  clientWords: string;
  offerMade: string;
  /** 'yes', 'no' or '' (undecided). */
  agreed: string;
  callBackAt: string;
  note: string;
  /** The task's attempts when the card was shown (hidden field). */
  expectedAttempts: number | null;
}

export interface ParsedCallOutcome {
  outcome: CallOutcomeKind;
  reasonId: string | null;
  reasonLabel: string | null;
  confirmNewReason: boolean;
  clientWords: string | null;
  offerMade: string | null;
  agreedToReturn: boolean | null;
  callBackAt: Date | null;
  note: string | null;
  expectedAttempts?: number;
}

/**
 * One thing wrong with the form, by field: the message's key in the console's catalogs
 * (`call.problem.*`, `form.problem.*`) and its parameters; the page shows it in the viewer's language.
 */
export interface CallFormProblem {
  field: string;
  key: string;
  params?: Record<string, unknown>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v.normalize('NFKC').trim() : '');

/** The form's fields as text, whatever was sent. */
export function callOutcomeForm(body: Record<string, unknown>): CallOutcomeForm {
  const useReasonId = str(body.useReason);
  const outcome = str(body.outcome);
  return {
    outcome: (CALL_OUTCOMES as readonly string[]).includes(outcome) ? (outcome as CallOutcomeKind) : '',
    reason: str(body.reason),
    useReasonId: /^[1-9][0-9]{0,17}$/.test(useReasonId) ? useReasonId : '',
    confirmNew: !useReasonId && body.confirmNew === '1',
    clientWords: str(body.clientWords),
    offerMade: str(body.offerMade),
    agreed: body.agreed === 'yes' || body.agreed === 'no' ? body.agreed : '',
    callBackAt: str(body.callBackAt),
    note: str(body.note),
    expectedAttempts: typeof body.attempts === 'string' && /^[0-9]{1,6}$/.test(body.attempts) ? Number(body.attempts) : null,
  };
}

const LIMITS: ['reason' | 'clientWords' | 'offerMade' | 'note', number][] = [['reason', 200], ['clientWords', 2000], ['offerMade', 500], ['note', 2000]];

/**
 * The outcome form checked field by field: what happened is required; "call back later" needs a
 * time (the organization's wall clock) that is not past. Each problem names its field; the page
 * puts the message next to it and keeps what was typed.
 */
export function parseCallOutcome(form: CallOutcomeForm, timezone: string): ParsedCallOutcome | { problems: CallFormProblem[] } {
  const problems: CallFormProblem[] = [];
  if (!form.outcome) problems.push({ field: 'outcome', key: 'call.problem.outcome' });
  // Counted in code points, as the reason list counts them: an emoji is one character to the person typing.
  for (const [field, max] of LIMITS) if (Array.from(form[field]).length > max) problems.push({ field, key: 'call.problem.tooLong', params: { max } });
  let callBackAt: Date | null = null;
  if (form.callBackAt) {
    const local = localDateTime(form.callBackAt, timezone);
    if ('key' in local) problems.push({ field: 'callBackAt', key: local.key, ...(local.params ? { params: local.params } : {}) });
    else callBackAt = local.at;
  }
  if (form.outcome === 'call_back' && !form.callBackAt) problems.push({ field: 'callBackAt', key: 'call.problem.callBackAt' });
  if (problems.length || !form.outcome) return { problems };
  // Fields that contradict the outcome (a reason with "no answer", a time with "reached") go on to
  // the call list, which refuses them by name rather than dropping what was typed.
  return {
    outcome: form.outcome,
    reasonId: form.useReasonId || null,
    reasonLabel: form.useReasonId ? null : form.reason || null,
    confirmNewReason: form.confirmNew,
    clientWords: form.clientWords || null,
    offerMade: form.offerMade || null,
    agreedToReturn: form.agreed ? form.agreed === 'yes' : null,
    callBackAt,
    note: form.note || null,
    ...(form.expectedAttempts !== null ? { expectedAttempts: form.expectedAttempts } : {}),
  };
}

/** The list's query string: the queue, the view and the page (anything else falls back to the defaults). */
export function callListQuery(q: Record<string, unknown>): { queue: CallQueue; view: CallView; page: number } {
  const queue = (CALL_QUEUES as readonly unknown[]).includes(q.queue) ? (q.queue as CallQueue) : 'managers';
  const view = (CALL_VIEWS as readonly unknown[]).includes(q.view) ? (q.view as CallView) : 'to_call';
  const page = typeof q.page === 'string' && /^[1-9][0-9]{0,3}$/.test(q.page) ? Number(q.page) : 1;
  return { queue, view, page };
}
