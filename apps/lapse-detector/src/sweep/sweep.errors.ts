/** Errors of the sweep feature, with a code the HTTP layer maps to a status. */
export class SweepError extends Error {
  constructor(
    readonly code: 'ORGANIZATION_NOT_FOUND' | 'SWEEP_NOT_FOUND' | 'INVALID_SETTINGS',
    message: string,
  ) {
    super(message);
    this.name = 'SweepError';
  }
}
