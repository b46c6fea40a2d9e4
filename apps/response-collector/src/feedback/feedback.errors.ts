/**
 * What can go wrong on the public pages, each with the status it answers:
 * - LINK_UNKNOWN: no message has this token (a typo, a guess): 404;
 * - LINK_GONE: the link expired (FEEDBACK_LINK_DAYS after its message went) or staff revoked it: 410;
 * - INVALID_ANSWER: the feedback form is not acceptable (a reason not offered, text too long...):
 *   400, the form shown again with each problem at its field and nothing saved.
 * Both link errors show the same generic page, which names neither the client nor the business.
 */
export type FeedbackErrorCode = 'LINK_UNKNOWN' | 'LINK_GONE' | 'INVALID_ANSWER';

/** The one place codes become HTTP statuses. */
export const FEEDBACK_ERROR_STATUS: Readonly<Record<FeedbackErrorCode, number>> = {
  LINK_UNKNOWN: 404,
  LINK_GONE: 410,
  INVALID_ANSWER: 400,
};

/** A field of the feedback form and what is wrong with it (a catalog key under feedback.problem.). */
export type AnswerField = 'reason' | 'text' | 'callTime' | 'rating' | 'empty' | 'form';

export class FeedbackError extends Error {
  constructor(
    readonly code: FeedbackErrorCode,
    message: string,
    /** For INVALID_ANSWER: the fields at fault. */
    readonly problems: readonly AnswerField[] = [],
  ) {
    super(message);
    this.name = 'FeedbackError';
  }

  get status(): number {
    return FEEDBACK_ERROR_STATUS[this.code];
  }
}
