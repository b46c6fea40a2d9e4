import type { RecordKind } from './record-kinds';

/** One thing wrong with the input, located precisely enough to fix it. */
export interface Problem {
  kind: RecordKind;
  /** The file (CSV import) or undefined (API). */
  file?: string;
  /** CSV: the physical line the record starts on. API: the 0-based index in the batch. */
  position: number;
  /** The column / key; undefined for a problem with the whole record. */
  field?: string;
  message: string;
}

/** Collects problems up to a limit, so a file full of errors still gives a short report. */
export class ProblemList {
  readonly items: Problem[] = [];
  total = 0;

  constructor(readonly limit = 100) {}

  add(p: Problem): void {
    this.total++;
    if (this.items.length < this.limit) this.items.push(p);
  }

  get any(): boolean {
    return this.total > 0;
  }

  get full(): boolean {
    return this.total >= this.limit;
  }

  /** `visits.csv line 12, visited_at: "2024-13-01" has no month 13` */
  static format(p: Problem): string {
    const where = p.file !== undefined ? `${p.file} line ${p.position}` : `${p.kind}[${p.position}]`;
    return `${where}${p.field ? `, ${p.field}` : ''}: ${p.message}`;
  }
}

/** Raised when an import or batch is refused; nothing of it was written. */
export class IngestionRejectedError extends Error {
  readonly code = 'INGESTION_REJECTED';
  readonly problems: Problem[];

  constructor(problems: Problem[], readonly total: number) {
    // In the order a person fixes them: file by file, top to bottom.
    const sorted = [...problems].sort((a, b) => (a.file === b.file ? a.position - b.position : 0));
    super(
      `nothing was imported: ${total} problem${total === 1 ? '' : 's'} found` +
        (total > problems.length ? ` (the first ${problems.length} listed)` : '') +
        '\n' +
        sorted.map((p) => `  ${ProblemList.format(p)}`).join('\n'),
    );
    this.problems = sorted;
    this.name = 'IngestionRejectedError';
  }
}
