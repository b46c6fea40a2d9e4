import { cleanText, Invalid, type ParseContext } from './field-parsers';
import type { ProblemList } from './problems';
import type { KindSpec } from './record-kinds';

/**
 * Turns one input record (CSV fields in header order, or the values of a JSON object) into the
 * staged values of a kind, in `spec.columns` order, reporting every bad field with its position.
 */
export class RowValidator {
  /** For each spec column, where its value sits in an input record (-1: the input lacks it). */
  private readonly sourceIndex: number[];
  /** Names of the spec columns the input has: the only ones an update may change. */
  readonly present: ReadonlySet<string>;

  private constructor(
    private readonly spec: KindSpec,
    inputColumns: string[],
    private readonly ctx: ParseContext,
    private readonly problems: ProblemList,
    private readonly file: string | undefined,
  ) {
    this.sourceIndex = spec.columns.map((c) => inputColumns.indexOf(c.name));
    this.present = new Set(spec.columns.filter((_, i) => this.sourceIndex[i] !== -1).map((c) => c.name));
    this.width = inputColumns.length;
  }

  private readonly width: number;

  /**
   * Checks the column names (a CSV header or the keys used in an API batch): each must be known,
   * appear once, and every required column must be there. Returns null when it can't go on.
   */
  static forColumns(
    spec: KindSpec,
    rawColumns: string[],
    ctx: ParseContext,
    problems: ProblemList,
    file?: string,
    position = 1,
  ): RowValidator | null {
    const columns = rawColumns.map((c) => cleanText(c).toLowerCase());
    const known = new Set(spec.columns.map((c) => c.name));
    let ok = true;
    const seen = new Set<string>();
    for (const c of columns) {
      if (!known.has(c)) {
        problems.add({ kind: spec.kind, file, position, field: c, message: `is not a ${spec.kind} column (expected: ${[...known].join(', ')})` });
        ok = false;
      } else if (seen.has(c)) {
        problems.add({ kind: spec.kind, file, position, field: c, message: 'appears twice' });
        ok = false;
      }
      seen.add(c);
    }
    for (const c of spec.columns) {
      if (c.required && !seen.has(c.name)) {
        problems.add({ kind: spec.kind, file, position, field: c.name, message: 'required column is missing' });
        ok = false;
      }
    }
    return ok ? new RowValidator(spec, columns, ctx, problems, file) : null;
  }

  /** The staged values of a record, or null when it has problems (already reported). */
  validate(fields: string[], position: number): (string | null)[] | null {
    const { spec } = this;
    if (fields.length !== this.width) {
      this.problems.add({
        kind: spec.kind, file: this.file, position,
        message: `has ${fields.length} field${fields.length === 1 ? '' : 's'}, the header has ${this.width}`,
      });
      return null;
    }
    const out: (string | null)[] = new Array(spec.columns.length);
    let ok = true;
    for (let i = 0; i < spec.columns.length; i++) {
      const col = spec.columns[i];
      const at = this.sourceIndex[i];
      const v = at === -1 ? null : col.parse(fields[at], this.ctx);
      if (v instanceof Invalid) {
        this.problems.add({ kind: spec.kind, file: this.file, position, field: col.name, message: v.message });
        ok = false;
      } else if (v === null && col.required) {
        this.problems.add({ kind: spec.kind, file: this.file, position, field: col.name, message: 'is required' });
        ok = false;
      } else {
        out[i] = v;
      }
    }
    if (ok && spec.rowCheck) {
      const bad = spec.rowCheck(out);
      if (bad) {
        this.problems.add({ kind: spec.kind, file: this.file, position, field: bad.field, message: bad.message });
        ok = false;
      }
    }
    return ok ? out : null;
  }
}
