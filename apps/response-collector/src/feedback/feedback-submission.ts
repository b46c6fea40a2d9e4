import type { FeedbackAnswer } from './dto/feedback-answer.dto';

/** The inbound source of feedback answers (inbound_requests.source, the job id's prefix). */
export const FEEDBACK_SOURCE = 'feedback';

/**
 * A feedback answer as the page accepted it: the payload of its inbound job (and of its
 * inbound_requests row). Ids, not state: the worker reads the rest under the message's lock.
 */
export type FeedbackSubmission = (
  /** The link and the reason were checked when the answer came (the usual case). */
  | { checked: true; messageId: string; organizationId: string }
  /**
   * PostgreSQL could not be reached when the answer came, so nothing was checked: the worker finds
   * the link by the token's SHA-256 and checks it, and the reason, as of the time it was sent.
   */
  | { checked: false; tokenHash: string }
) & {
  answer: FeedbackAnswer;
  /**
   * When the page took it, ISO 8601 to the microsecond (PostgreSQL's precision): the answers of one
   * link are applied in this order, and two sent one after the other never share it.
   */
  sentAt: string;
};

/** Now, ISO 8601 to the microsecond (Date has milliseconds; performance.now adds the rest). */
export function preciseNow(): string {
  const ms = performance.timeOrigin + performance.now();
  const whole = Math.floor(ms);
  const micros = Math.floor((ms - whole) * 1000);
  return new Date(whole).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
}

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const str = (v: unknown): v is string => typeof v === 'string';
const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const BIGINT = /^[1-9]\d{0,17}$/;

/** The submission in a job's payload, or an error naming what is wrong (a payload only our page writes: wrong means a bug). */
export function readFeedbackSubmission(payload: Record<string, unknown>): FeedbackSubmission {
  const a = payload.answer as Record<string, unknown> | undefined;
  const answerOk =
    !!a &&
    strOrNull(a.reasonId) &&
    (a.reasonId === null || BIGINT.test(a.reasonId)) &&
    strOrNull(a.text) &&
    typeof a.callMe === 'boolean' &&
    strOrNull(a.callTime) &&
    (a.rating === null || (typeof a.rating === 'number' && Number.isInteger(a.rating) && a.rating >= 1 && a.rating <= 5));
  if (!answerOk) throw new Error('feedback submission without a valid answer');
  const answer = a as unknown as FeedbackAnswer;
  if (!str(payload.sentAt) || !ISO_MICROS.test(payload.sentAt)) throw new Error('feedback submission without its time');
  const sentAt = payload.sentAt;
  if (payload.checked === true && str(payload.messageId) && BIGINT.test(payload.messageId) && str(payload.organizationId)) {
    return { checked: true, messageId: payload.messageId, organizationId: payload.organizationId, answer, sentAt };
  }
  if (payload.checked === false && str(payload.tokenHash) && /^[0-9a-f]{64}$/.test(payload.tokenHash)) {
    return { checked: false, tokenHash: payload.tokenHash, answer, sentAt };
  }
  throw new Error('feedback submission names no link');
}
