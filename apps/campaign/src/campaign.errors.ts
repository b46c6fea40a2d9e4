import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import { CampaignError } from '@comeback/campaigns';

/** Controllers map a CampaignError to HTTP in one place: 404, 409, or 400 with its problems. */

export function toHttp(err: unknown): unknown {
  if (!(err instanceof CampaignError)) return err;
  const body = { error: err.code, message: err.message, ...(err.problems.length ? { problems: err.problems } : {}) };
  if (err.code === 'NOT_FOUND') return new NotFoundException(body);
  if (err.code === 'INVALID_STATE') return new ConflictException(body);
  return new BadRequestException(body);
}

/** Parses a body with a zod schema; every problem is named by its field. */
export function parseBody<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  throw new CampaignError(
    'INVALID_BODY',
    'the request body is not valid',
    parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message })),
  );
}
