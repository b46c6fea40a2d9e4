import { z } from 'zod';
import { calendarDateError, isCalendarDate } from '../../console/calendar-date';
import { ConsoleError } from '../../console/auth/console.errors';
import type { ReasonInput } from '../client-card.service';

const REASON_FORM_SCHEMA = z.object({
  reason: z.string().transform((v) => v.normalize('NFKC').trim()).pipe(z.string().min(1, 'is required').max(200, 'must be at most 200 characters')),
  note: z
    .string()
    .optional()
    .transform((v) => (v ? v.normalize('NFKC').trim() : ''))
    .pipe(z.string().max(2000, 'must be at most 2,000 characters'))
    .transform((v) => v || null),
  leftOn: z
    .string()
    .optional()
    .transform((v) => v || null)
    .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine(isCalendarDate, { error: (issue) => calendarDateError(issue.input) }).nullable()),
  confirmNew: z.string().optional().transform((v) => v === '1'),
});

/** The card's reason form; a bad field is a 400 that names it. The date of leaving cannot be in the future. */
export function parseReasonForm(body: Record<string, unknown>, today: string): ReasonInput {
  // "Use <existing reason>" on the near-duplicate warning sends that label instead of the typed one.
  const fields = typeof body.useReason === 'string' && body.useReason ? { ...body, reason: body.useReason, confirmNew: undefined } : body;
  const parsed = REASON_FORM_SCHEMA.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? '');
    throw new ConsoleError('INVALID_INPUT', `${field}: ${issue.message}`, field);
  }
  if (parsed.data.leftOn && parsed.data.leftOn > today) throw new ConsoleError('INVALID_INPUT', 'leftOn: must not be in the future', 'leftOn');
  return { label: parsed.data.reason, note: parsed.data.note, leftOn: parsed.data.leftOn, confirmNew: parsed.data.confirmNew };
}
