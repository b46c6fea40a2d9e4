import type { Pool } from 'pg';
import { ChunkWriter, type Counts, type OrgContext } from './chunk-writer';
import { IngestionRejectedError, ProblemList } from './problems';
import { KIND_SPECS, type RecordKind } from './record-kinds';
import { RowValidator } from './row-validator';
import { inIngestionTransaction } from './transaction';

export const MAX_BATCH_ROWS = 10_000;

/**
 * Upserts one API batch (JSON objects keyed like the CSV columns) of one kind, all or nothing,
 * through the same validation and SQL as the CSV import. Keys absent from every record of the
 * batch leave those columns as they are; a key present with null or "" clears the value.
 */
export async function upsertBatch(pool: Pool, org: OrgContext, kind: RecordKind, records: unknown[], source: string): Promise<Counts> {
  const spec = KIND_SPECS[kind];
  const problems = new ProblemList();
  if (records.length > MAX_BATCH_ROWS) {
    problems.add({ kind, position: MAX_BATCH_ROWS, message: `a batch holds at most ${MAX_BATCH_ROWS} records, this one has ${records.length}` });
    throw new IngestionRejectedError(problems.items, problems.total);
  }
  const keys = new Set<string>();
  records.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) problems.add({ kind, position: i, message: 'is not a JSON object' });
    else for (const k of Object.keys(r)) keys.add(k);
  });
  const columns = [...keys];
  const validator = problems.any ? null : RowValidator.forColumns(spec, columns, { country: org.country }, problems, undefined, 0);
  const rows: [number, (string | null)[]][] = [];
  if (validator) {
    records.forEach((r, i) => {
      const fields = columns.map((c) => fieldText((r as Record<string, unknown>)[c]));
      const bad = fields.findIndex((f) => f === undefined);
      if (bad !== -1) {
        problems.add({ kind, position: i, field: columns[bad], message: 'must be a string, a number, a boolean or null' });
        return;
      }
      const values = validator.validate(fields as string[], i);
      if (values) rows.push([i, values]);
    });
  }
  if (problems.any || !validator) throw new IngestionRejectedError(problems.items, problems.total);
  return inIngestionTransaction(pool, org, [kind], async (db) => {
    const writer = new ChunkWriter(db, spec, validator.present, org, problems, undefined, source, Number.POSITIVE_INFINITY);
    for (const [i, values] of rows) writer.add(i, values);
    const counts = await writer.finish();
    if (problems.any) throw new IngestionRejectedError(problems.items, problems.total);
    return { commit: true, result: counts };
  });
}

/** JSON value → the text a CSV cell would hold; undefined for values no cell could hold. */
function fieldText(v: unknown): string | undefined {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}
