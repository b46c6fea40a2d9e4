import { ConsoleError } from '../console/auth/console.errors';

const ROW_ID = /^[1-9][0-9]{0,17}$/;

/** A row id from the path or a form (bigint as text); anything else is refused before a query sees it. */
export function rowId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ROW_ID.test(value)) throw new ConsoleError('INVALID_INPUT', `${field}: choose one from the list`, field);
  return value;
}

/** A required one-line text field, trimmed (length and normalisation are the reason list's to check). */
export function textField(value: unknown, field: string, max = 2000): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) throw new ConsoleError('INVALID_INPUT', `${field}: required`, field);
  if (text.length > max) throw new ConsoleError('INVALID_INPUT', `${field}: at most ${max} characters`, field);
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
