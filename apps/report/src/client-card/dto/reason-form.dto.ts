import { z } from 'zod';
import { MAX_REASON_NOTE_LENGTH, normaliseReasonText } from '@comeback/reasons';
import { calendarDateError, isCalendarDate } from '../../console/calendar-date';
import { ConsoleError } from '../../console/auth/console.errors';
import type { ReasonInput } from '../client-card.service';

const REASON_FORM_SCHEMA = z.object({
  reason: z
    .string()
    .transform((v) => v.normalize('NFKC').trim())
    .pipe(z.string().min(1, 'is required').max(200, 'must be at most 200 characters').refine((v) => normaliseReasonText(v) !== '', 'needs a letter or a digit')),
  note: z
    .string()
    .optional()
    .transform((v) => (v ? v.normalize('NFKC').trim() : ''))
    .pipe(z.string().refine((v) => Array.from(v).length <= MAX_REASON_NOTE_LENGTH, 'must be at most 2,000 characters'))
    .transform((v) => v || null),
  leftOn: z
    .string()
    .optional()
    .transform((v) => v || null)
    .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine(isCalendarDate, { error: (issue) => calendarDateError(issue.input) }).nullable()),
  confirmNew: z.string().optional().transform((v) => v === '1'),
  // "Use <existing reason>" on the near-duplicate warning: that reason's id (a stale page's may name a reason merged since).
  useReason: z
    .string()
    .optional()
    .transform((v) => v || null)
    .pipe(z.string().regex(/^[1-9][0-9]{0,17}$/, 'is not a reason').nullable()),
});

/** The card's reason form; a bad field is a 400 that names it. The date of leaving cannot be in the future. */
export function parseReasonForm(body: Record<string, unknown>, today: string): ReasonInput {
  const parsed = REASON_FORM_SCHEMA.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? '');
    throw new ConsoleError('INVALID_INPUT', `${field}: ${issue.message}`, field);
  }
  if (parsed.data.leftOn && parsed.data.leftOn > today) throw new ConsoleError('INVALID_INPUT', 'leftOn: must not be in the future', 'leftOn');
  const { reason, note, leftOn, confirmNew, useReason } = parsed.data;
  return { label: reason, reasonId: useReason, note, leftOn, confirmNew: useReason ? false : confirmNew };
}
