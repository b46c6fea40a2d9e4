import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';

/** A campaign-app feature error; controllers map it to HTTP in one place (toHttp). */
export class CampaignAppError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'INVALID_BODY' | 'INVALID_TEMPLATE' | 'INVALID_STATE',
    message: string,
    readonly problems: { field?: string; part?: string; line?: number; column?: number; message: string }[] = [],
  ) {
    super(message);
  }
}

export function toHttp(err: unknown): unknown {
  if (!(err instanceof CampaignAppError)) return err;
  const body = { error: err.code, message: err.message, ...(err.problems.length ? { problems: err.problems } : {}) };
  if (err.code === 'NOT_FOUND') return new NotFoundException(body);
  if (err.code === 'INVALID_STATE') return new ConflictException(body);
  return new BadRequestException(body);
}

/** Parses a body with a zod schema; every problem is named by its field. */
export function parseBody<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  throw new CampaignAppError(
    'INVALID_BODY',
    'the request body is not valid',
    parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message })),
  );
}
