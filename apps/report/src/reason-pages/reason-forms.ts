import { ConsoleError } from '../console/auth/console.errors';

const ROW_ID = /^[1-9][0-9]{0,17}$/;

/**
 * A refused field: the English detail (JSON answers), and the message's key in the console's
 * catalogs (`reasons.problem.*`) with the field's name (`reasons.field.*`) for the page.
 */
function fieldError(field: string, english: string, key: string, params?: Record<string, unknown>): ConsoleError {
  return new ConsoleError('INVALID_INPUT', `${field}: ${english}`, field, { key, fieldName: `reasons.field.${field}`, ...(params ? { params } : {}) });
}

/** A row id from the path or a form (bigint as text); anything else is refused before a query sees it. */
export function rowId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ROW_ID.test(value)) throw fieldError(field, 'choose one from the list', 'reasons.problem.choose');
  return value;
}

/** A required one-line text field, trimmed (length and normalisation are the reason list's to check). */
export function textField(value: unknown, field: string, max = 2000): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) throw fieldError(field, 'required', 'reasons.problem.required');
  if (text.length > max) throw fieldError(field, `at most ${max} characters`, 'reasons.problem.tooLong', { max });
  return text;
}

/** An optional text field: undefined when empty. */
export function optionalText(value: unknown, field: string, max = 2000): string | undefined {
  return typeof value === 'string' && value.trim() ? textField(value, field, max) : undefined;
}

export const REPLY_CHANNELS = ['sms', 'viber', 'email', 'voice', 'feedback'] as const;

/** The inbox's filters from the query string: "needs review only" is on unless the form says otherwise. */
export function replyFilters(q: Record<string, unknown>): { review: boolean; channel: string | null } {
  // The filter form always sends `shown=1`; the checkbox sends `review=1` when ticked.
  const review = q.shown === '1' ? q.review === '1' : true;
  const channel = typeof q.channel === 'string' && (REPLY_CHANNELS as readonly string[]).includes(q.channel) ? q.channel : null;
  return { review, channel };
}
