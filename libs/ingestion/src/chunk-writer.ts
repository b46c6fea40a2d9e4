import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ProblemList } from './problems';
import type { KindSpec } from './record-kinds';
import { copyValue, CopyTextBuffer } from './copy-text-buffer';
import { stagingTable, upsertStatement } from './upsert-statements';

export interface Counts {
  received: number;
  inserted: number;
  updated: number;
  /** Wall time spent on the file (set by the CSV import). */
  seconds?: number;
  /** How the rows were written: a first load into an empty partition, or staged upserts. */
  method?: 'bulk' | 'upsert';
}

export interface OrgContext {
  id: string;
  currency: string;
  country: string;
  timezone: string;
}

const CARDINALITY_VIOLATION = '21000';

/** Where validated rows of one kind go: staged upserts (ChunkWriter) or a first bulk load (BulkLoader). */
export interface RowSink {
  readonly counts: Counts;
  add(position: number, values: (string | null)[]): void;
  /** True when the caller should call flushChunk() before adding more rows. */
  readonly chunkFull: boolean;
  flushChunk(): Promise<void>;
  finish(): Promise<Counts>;
  /** Drops rows not yet sent: used once the import is known to fail. */
  discard(): void;
}

/**
 * Stages validated rows of one kind and upserts them chunk by chunk, inside the caller's
 * transaction. Rows are serialised straight into COPY text as they are added; when a chunk is
 * full it is sent while the caller goes on reading the next one, so parsing in Node and writing
 * in PostgreSQL overlap. At most one chunk is being written and one filled at any time, which
 * bounds memory whatever the file size.
 */
export class ChunkWriter implements RowSink {
  readonly counts: Counts = { received: 0, inserted: 0, updated: 0, method: 'upsert' };
  /** The chunk being filled: COPY text in off-heap parts. */
  private parts: Buffer[] = [];
  private readonly text = new CopyTextBuffer();
  private rowsInChunk = 0;
  private inflight: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private chunkNumber = 0;

  constructor(
    private readonly db: PoolClient,
    private readonly spec: KindSpec,
    private readonly present: ReadonlySet<string>,
    private readonly org: OrgContext,
    private readonly problems: ProblemList,
    private readonly file: string | undefined,
    private readonly consentSource: string,
    private readonly chunkRows = 50_000,
  ) {}

  /** Adds one validated row (values in `spec.columns` order). */
  add(position: number, values: (string | null)[]): void {
    let row = String(position);
    for (let i = 0; i < values.length; i++) row += '\t' + copyValue(values[i]);
    const full = this.text.append(row + '\n');
    if (full) this.parts.push(full);
    this.rowsInChunk++;
    this.counts.received++;
  }

  get chunkFull(): boolean {
    return this.rowsInChunk >= this.chunkRows;
  }

  /** Starts writing the filled chunk; resolves once the previous chunk is done (backpressure). */
  async flushChunk(): Promise<void> {
    await this.inflight;
    if (this.failure) throw this.failure;
    if (this.rowsInChunk === 0) return;
    const parts = [...this.parts, ...this.text.take()];
    this.parts = [];
    this.rowsInChunk = 0;
    this.inflight = this.writeChunk(parts).catch((err) => {
      this.failure = err;
    });
  }

  /** Writes what is left and waits for every chunk. */
  async finish(): Promise<Counts> {
    await this.flushChunk();
    await this.inflight;
    if (this.failure) throw this.failure;
    return this.counts;
  }

  /** Drops rows not yet sent: used once the import is known to fail. */
  discard(): void {
    this.parts = [];
    this.text.clear();
    this.rowsInChunk = 0;
  }

  private async writeChunk(parts: Buffer[]): Promise<void> {
    const table = stagingTable(this.spec.kind);
    const columns = ['line', ...this.spec.columns.map((c) => `"${c.name}"`)].join(', ');
    await pipeline(Readable.from(parts), this.db.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)));
    // Temporary tables are never auto-analysed; without statistics the planner guesses badly.
    await this.db.query(`ANALYZE ${table}`);
    const savepoint = `chunk_${++this.chunkNumber}`;
    await this.db.query(`SAVEPOINT ${savepoint}`);
    try {
      await this.upsert(false);
    } catch (err) {
      if ((err as { code?: string }).code !== CARDINALITY_VIOLATION) throw err;
      // The chunk repeats an external id: apply the rows in file order (the last one wins).
      await this.db.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      await this.upsert(true);
    }
    await this.db.query(`RELEASE SAVEPOINT ${savepoint}`);
    await this.db.query(`TRUNCATE ${table}`);
  }

  private async upsert(dedupe: boolean): Promise<void> {
    const statement = upsertStatement(this.spec.kind, this.present, dedupe, {
      organizationId: this.org.id,
      currency: this.org.currency,
      consentSource: this.consentSource,
    });
    const { rows } = await this.db.query<{ inserted: number; updated: number; problems: { line: string; field: string; message: string }[] }>(statement);
    const r = rows[0];
    this.counts.inserted += r.inserted;
    this.counts.updated += r.updated;
    for (const p of r.problems) {
      this.problems.add({ kind: this.spec.kind, file: this.file, position: Number(p.line), field: p.field, message: p.message });
    }
  }
}
