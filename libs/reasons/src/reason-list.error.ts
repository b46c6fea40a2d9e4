export type ReasonListErrorCode = 'NOT_FOUND' | 'DUPLICATE' | 'INVALID_INPUT' | 'INVALID_STATE';

/**
 * A reason-list operation refused, with a message staff can act on. NOT_FOUND: no such reason or
 * candidate in this organization; DUPLICATE: the text already names a reason (`reasonId`: which;
 * map to it instead); INVALID_INPUT: an empty or overlong label, a bad locale; INVALID_STATE: a
 * retired or merged reason, a candidate already resolved, a merge into itself. The HTTP layer maps
 * them to 404 / 409 / 400 / 409.
 */
export class ReasonListError extends Error {
  constructor(
    readonly code: ReasonListErrorCode,
    message: string,
    readonly reasonId?: string,
  ) {
    super(message);
    this.name = 'ReasonListError';
  }
}
