export const FEEDBACK_OPTIONS = Symbol('FEEDBACK_OPTIONS');

export interface FeedbackOptions {
  /** How many days a personal link works after its message was sent (FEEDBACK_LINK_DAYS); later it answers 410. */
  linkDays: number;
}
