import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import { BulkLoader, RepeatedExternalIdError } from './bulk-loader';
import { ChunkWriter, type Counts, type OrgContext, type RowSink } from './chunk-writer';
import { CsvRecordReader, CsvSyntaxError } from '@comeback/csv';
import { findOrganization } from './organization-lookup';
import { IngestionRejectedError, ProblemList } from './problems';
import { KIND_SPECS, type KindSpec, RECORD_KINDS, type RecordKind } from './record-kinds';
import { RowValidator } from './row-validator';
import { inIngestionTransaction } from './transaction';

export type ImportFiles = Partial<Record<RecordKind, string>>;

export interface ImportOptions {
  /** Rows staged per chunk (memory vs. round trips); the default suits millions of rows. */
  chunkRows?: number;
  /** Called now and then with the rows read so far of the file being imported. */
  onProgress?: (kind: RecordKind, rowsRead: number) => void;
}

export interface ImportResult {
  organizationId: string;
  counts: Partial<Record<RecordKind, Counts>>;
}

/**
 * Imports CSV files into one organization, all or nothing: every file is read, validated,
 * staged with COPY and upserted inside a single transaction, in the order staff, services,
 * clients, visits, payments (so later files may refer to rows of earlier ones). If any row of
 * any file has a problem, nothing is written and IngestionRejectedError lists the problems
 * with their file, line and field.
 */
export async function importCsvFiles(pool: Pool, orgRef: string, files: ImportFiles, opts: ImportOptions = {}): Promise<ImportResult> {
  const org = await findOrganization(pool, orgRef);
  const kinds = RECORD_KINDS.filter((k) => files[k]);
  const problems = new ProblemList();
  const counts: ImportResult['counts'] = {};
  return inIngestionTransaction(pool, org, kinds, async (db) => {
    for (const kind of kinds) {
      const started = performance.now();
      counts[kind] = await importOneFile(db, org, kind, files[kind] as string, problems, opts);
      counts[kind].seconds = (performance.now() - started) / 1000;
      if (problems.full) break;
    }
    if (problems.any) throw new IngestionRejectedError(problems.items, problems.total);
    return { commit: true, result: { organizationId: org.id, counts } };
  });
}

/**
 * One file into its table. Clients, visits and payments of an organization that has none yet take the
 * bulk path (BulkLoader); should the file repeat an external id, that attempt is rolled back to
 * its savepoint and the file is read again through staged upserts, which apply rows in order.
 */
async function importOneFile(
  db: PoolClient,
  org: OrgContext,
  kind: RecordKind,
  path: string,
  problems: ProblemList,
  opts: ImportOptions,
): Promise<Counts> {
  const spec = KIND_SPECS[kind];
  const file = basename(path);
  const staged = (validator: RowValidator): RowSink =>
    new ChunkWriter(db, spec, validator.present, org, problems, file, `import:${file}`, opts.chunkRows);
  if (BulkLoader.supports(kind)) {
    await db.query('SAVEPOINT bulk_load');
    const bulk = await BulkLoader.open(db, spec, org, problems, `import:${file}`, file);
    if (bulk) {
      try {
        const counts = await readFile(spec, org, path, problems, opts, () => bulk);
        await db.query('RELEASE SAVEPOINT bulk_load');
        return counts;
      } catch (err) {
        if (!(err instanceof RepeatedExternalIdError)) throw err;
        await db.query('ROLLBACK TO SAVEPOINT bulk_load');
      }
    } else {
      await db.query('RELEASE SAVEPOINT bulk_load');
    }
  }
  return readFile(spec, org, path, problems, opts, staged);
}

/** Streams a CSV file through validation into the sink the factory makes once the header is read. */
async function readFile(
  spec: KindSpec,
  org: OrgContext,
  path: string,
  problems: ProblemList,
  opts: ImportOptions,
  makeSink: (validator: RowValidator) => RowSink,
): Promise<Counts> {
  const kind = spec.kind;
  const file = basename(path);
  let validator: RowValidator | null | undefined;
  let writer: RowSink | undefined;
  let rowsRead = 0;
  let stop = false;

  const reader = new CsvRecordReader((fields, line) => {
    if (stop) return;
    if (validator === undefined) {
      validator = RowValidator.forColumns(spec, fields, { country: org.country }, problems, file, line);
      if (validator) writer = makeSink(validator);
      else stop = true;
      return;
    }
    rowsRead++;
    const values = (validator as RowValidator).validate(fields, line);
    // Rows go on being staged after a problem, so that references (clients, staff, services)
    // are checked too and one run reports all it can; the transaction rolls back regardless.
    if (values) writer?.add(line, values);
    if (problems.full) stop = true;
  });

  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      reader.push(chunk as Buffer);
      if (stop) break;
      if (writer?.chunkFull) await writer.flushChunk();
      opts.onProgress?.(kind, rowsRead);
    }
    if (!stop) reader.end();
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    problems.add({ kind, file, position: err.line, message: err.message });
  } finally {
    stream.destroy();
  }
  if (validator === undefined) problems.add({ kind, file, position: 1, message: 'the file is empty (a header row is required)' });
  if (!writer) return { received: rowsRead, inserted: 0, updated: 0 };
  if (stop) writer.discard();
  opts.onProgress?.(kind, rowsRead);
  return writer.finish();
}
