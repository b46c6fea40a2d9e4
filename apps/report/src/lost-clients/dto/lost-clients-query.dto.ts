import { z } from 'zod';
import { calendarDateError, isCalendarDate } from '../../console/calendar-date';
import { ConsoleError } from '../../console/auth/console.errors';

const id = z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be an id');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine(isCalendarDate, { error: (issue) => calendarDateError(issue.input) });
/** An empty form field means "any": HTML forms send every field, filled or not. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export const LOST_CLIENT_SORTS = ['value', 'overdue', 'detected'] as const;
export type LostClientSort = (typeof LOST_CLIENT_SORTS)[number];

/** The lost-clients filters, as the list page, its CSV export and (later) campaign audiences take them. */
export const LOST_CLIENTS_FILTER_SCHEMA = z.object({
  status: optional(z.enum(['at_risk', 'lapsed'])),
  detectedFrom: optional(day),
  detectedTo: optional(day),
  churnType: optional(z.enum(['voluntary', 'involuntary', 'passive'])),
  /** 'none' = no reason recorded yet; otherwise a reason id. */
  reason: optional(z.union([z.literal('none'), id])),
  tier: optional(z.coerce.number().int().min(1).max(3)),
  staff: optional(id),
  service: optional(id),
});
export type LostClientsFilter = z.output<typeof LOST_CLIENTS_FILTER_SCHEMA>;

export const LOST_CLIENTS_QUERY_SCHEMA = LOST_CLIENTS_FILTER_SCHEMA.extend({
  sort: optional(z.enum(LOST_CLIENT_SORTS)).transform((v) => v ?? 'value'),
  /** The keyset cursor of the next page (opaque to the browser). */
  after: optional(z.string().max(200)),
  limit: optional(z.coerce.number().int().min(1).max(200)).transform((v) => v ?? 50),
});
export type LostClientsQuery = z.output<typeof LOST_CLIENTS_QUERY_SCHEMA>;

/** Parses query or form fields; a bad one is a 400 that names the field. */
export function parseLostClientsQuery(input: unknown): LostClientsQuery {
  const parsed = LOST_CLIENTS_QUERY_SCHEMA.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? '');
    throw new ConsoleError('INVALID_INPUT', `${field}: ${issue.message}`, field);
  }
  if (parsed.data.detectedFrom && parsed.data.detectedTo && parsed.data.detectedFrom > parsed.data.detectedTo) {
    throw new ConsoleError('INVALID_INPUT', 'detectedFrom: must not be after detectedTo', 'detectedFrom');
  }
  return parsed.data;
}
