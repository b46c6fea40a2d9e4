/** One fault and what it did to the work in flight. */
export interface FaultRow {
  fault: string;
  /** Work in flight when the fault hit (messages being sent, chunks being scored, replies arriving). */
  inFlight: string;
  lost: number;
  duplicated: number;
}

/** The suite's table: fault | work in flight | lost | duplicated, printed at the end of the run. */
export class FaultTable {
  private readonly rows: FaultRow[] = [];

  add(row: FaultRow): void {
    this.rows.push(row);
  }

  toString(): string {
    const header = ['fault', 'work in flight', 'lost', 'duplicated'];
    const cells = this.rows.map((r) => [r.fault, r.inFlight, String(r.lost), String(r.duplicated)]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (c: string[]) => `| ${c.map((v, i) => (i >= 2 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join(' | ')} |`;
    return [line(header), `|${widths.map((w, i) => (i >= 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...cells.map(line)].join('\n');
  }
}
