/**
 * A campaign or template operation refused: what was wrong and where (field, or a template's part,
 * line and column). The API maps it to 400/404/409 (apps/campaign toHttp), the console to a page.
 */
export class CampaignError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'INVALID_BODY' | 'INVALID_TEMPLATE' | 'INVALID_STATE',
    message: string,
    readonly problems: { field?: string; part?: string; line?: number; column?: number; message: string }[] = [],
  ) {
    super(message);
  }
}
