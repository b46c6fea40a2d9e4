import { BadRequestException } from '@nestjs/common';

/** The body of every ingestion route: `{ "records": [ {...}, ... ] }`, keys as in the CSV formats. */
export interface BatchBody {
  records: unknown[];
}

export function parseBatchBody(body: unknown): BatchBody {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as { records?: unknown }).records)) {
    throw new BadRequestException({ error: 'BODY_INVALID', message: 'the body must be a JSON object with an array "records"' });
  }
  return body as BatchBody;
}

export interface BatchResult {
  kind: string;
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
}
