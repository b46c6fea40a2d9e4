export type CallListErrorCode = 'NOT_FOUND' | 'INVALID_INPUT' | 'INVALID_STATE';

/**
 * A call-list operation refused, with a message staff can act on. NOT_FOUND: no such task in this
 * organization; INVALID_INPUT: a field that cannot be used (the message names it); INVALID_STATE:
 * the task is closed or taken by someone else. The HTTP layer maps them to 404 / 400 / 409.
 */
export class CallListError extends Error {
  constructor(
    readonly code: CallListErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CallListError';
  }
}
