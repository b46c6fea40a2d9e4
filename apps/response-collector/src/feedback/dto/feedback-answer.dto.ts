import { z } from 'zod';
import type { AnswerField } from '../feedback.errors';

export const MAX_TEXT_CHARS = 2000;
export const MAX_CALL_TIME_CHARS = 100;

/** A client's answer as submitted and cleaned; the reason id is still unchecked against the organization. */
export interface FeedbackAnswer {
  /** A churn_reasons id as the form sent it (checked later against the link's organization), or null. */
  reasonId: string | null;
  /** NFKC-normalised, at most MAX_TEXT_CHARS characters, or null. */
  text: string | null;
  callMe: boolean;
  /** Only with callMe; NFKC-normalised, one line, at most MAX_CALL_TIME_CHARS characters. */
  callTime: string | null;
  rating: number | null;
}

/** What the form's fields held, as text, to show them again with the problems. */
export interface SubmittedValues {
  reason: string;
  text: string;
  callMe: boolean;
  callTime: string;
  rating: string;
}

/** Characters, not UTF-16 units: an emoji or a rare CJK character counts once. */
const length = (s: string) => [...s].length;

/**
 * The client's words as we keep them: Unicode NFKC (full-width and compatibility forms folded, so
 * the reason matcher and staff see one spelling), CR LF as LF, control characters other than line
 * breaks and tabs removed, trimmed. Empty is null.
 */
export function cleanText(value: string): string | null {
  const cleaned = value
    .normalize('NFKC')
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, '')
    .trim();
  return cleaned ? cleaned : null;
}

/** A one-line value (the preferred call time): whitespace runs become one space. */
export function cleanLine(value: string): string | null {
  const cleaned = cleanText(value)?.replace(/\s+/g, ' ') ?? null;
  return cleaned ? cleaned : null;
}

// Every field is a single text value or absent: a repeated field (an array) is not this form.
const field = z.string().optional();

/**
 * The feedback form (application/x-www-form-urlencoded, flat fields): reason (a reason id, or empty
 * for "something else"), text, callMe ("yes" when ticked), callTime, rating ("" or 1-5). Unknown
 * fields are ignored (the submit button's name, say).
 */
const FORM = z.object({
  reason: field.transform((v, ctx) => {
    if (v === undefined || v === '') return null;
    // A bigint's digits, not more: anything else is no reason of ours (and never reaches SQL as text to cast).
    if (!/^[1-9]\d{0,17}$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'reason' });
      return z.NEVER;
    }
    return v;
  }),
  text: field.transform((v, ctx) => {
    const text = v === undefined ? null : cleanText(v);
    if (text !== null && length(text) > MAX_TEXT_CHARS) {
      ctx.addIssue({ code: 'custom', message: 'text' });
      return z.NEVER;
    }
    return text;
  }),
  callMe: field.transform((v, ctx) => {
    if (v === undefined || v === '') return false;
    if (v !== 'yes') {
      ctx.addIssue({ code: 'custom', message: 'form' });
      return z.NEVER;
    }
    return true;
  }),
  callTime: field.transform((v, ctx) => {
    const time = v === undefined ? null : cleanLine(v);
    if (time !== null && length(time) > MAX_CALL_TIME_CHARS) {
      ctx.addIssue({ code: 'custom', message: 'callTime' });
      return z.NEVER;
    }
    return time;
  }),
  rating: field.transform((v, ctx) => {
    if (v === undefined || v === '') return null;
    if (!/^[1-5]$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'rating' });
      return z.NEVER;
    }
    return Number(v);
  }),
});

const FIELDS = ['reason', 'text', 'callMe', 'callTime', 'rating'] as const;

/**
 * Parses and cleans a submitted form. Problems are named by field (the catalog key under
 * `feedback.problem.`); a field that is not a single text value makes the whole form 'form'.
 * An answer with nothing in it (no reason, no words, no call, no rating) is 'empty'.
 */
export function parseFeedbackAnswer(body: unknown): { ok: true; answer: FeedbackAnswer } | { ok: false; problems: AnswerField[] } {
  const record = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const parsed = FORM.safeParse(Object.fromEntries(FIELDS.map((f) => [f, record[f]])));
  if (!parsed.success) {
    const problems = new Set<AnswerField>();
    for (const issue of parsed.error.issues) {
      problems.add(issue.code === 'custom' ? (issue.message as AnswerField) : 'form');
    }
    return { ok: false, problems: [...problems] };
  }
  const { reason, text, callMe, callTime, rating } = parsed.data;
  if (reason === null && text === null && !callMe && rating === null) return { ok: false, problems: ['empty'] };
  return { ok: true, answer: { reasonId: reason, text, callMe, callTime: callMe ? callTime : null, rating } };
}

/** The fields as they were sent (strings only), to fill the form in again beside its problems. */
export function submittedValues(body: unknown): SubmittedValues {
  const record = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return { reason: str(record.reason), text: str(record.text), callMe: record.callMe === 'yes', callTime: str(record.callTime), rating: str(record.rating) };
}
