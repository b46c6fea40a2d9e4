/** What can go wrong in the reports besides a bad period (ReportPeriodError); the controller maps codes to HTTP. */
export type ReportErrorCode = 'ORGANIZATION_NOT_FOUND' | 'EPISODE_NOT_FOUND' | 'EPISODE_NOT_RETURNED';

export class ReportError extends Error {
  constructor(
    readonly code: ReportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ReportError';
  }
}
