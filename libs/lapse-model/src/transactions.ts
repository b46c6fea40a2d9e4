/**
 * From a transactions file to what the models need: each client's visit days, and BG/NBD summaries
 * (x, tx, T) at a calibration end.
 *
 * The file is a CSV with a header row: `client_id`, `date` (ISO `YYYY-MM-DD`, or an ISO date-time
 * of which only the date as written counts), optionally `amount` (not used by these models) and any
 * other columns (ignored). `idColumn` / `dateColumn` name other columns.
 *
 * Memory: the CLI runs with a 192 MB V8 heap, and a business can have a million clients with twenty
 * visits each. So the visits are kept in typed arrays (their memory lives outside the V8 heap),
 * one (client, day) pair per row while reading, then one compact array of days grouped by client
 * (offsets into it per client, like a CSR matrix); the only per-client JS objects are the ids.
 */
import path from 'node:path';
import type { BgNbdSummaries } from './bgnbd';
import { distinctDaysUpTo } from './cadence';
import { parseIsoDay } from './calendar-day';
import { readCsvBatches } from './csv-records.reader';
import { LapseInputError } from './lapse-input.error';

export type TimeUnit = 'day' | 'week';
export const UNIT_DAYS: Readonly<Record<TimeUnit, number>> = Object.freeze({ day: 1, week: 7 });

/**
 * Every client's visit days: for client i (in order of first appearance), `days` from
 * `offsets[i]` to `offsets[i + 1]`, sorted and distinct (several visits on a day count once).
 */
export class ClientHistories {
  constructor(
    readonly ids: string[],
    readonly offsets: Int32Array,
    readonly days: Int32Array,
  ) {}

  get size(): number {
    return this.ids.length;
  }

  /** Client i's sorted distinct visit days (a view, not a copy). */
  daysOf(i: number): Int32Array {
    return this.days.subarray(this.offsets[i], this.offsets[i + 1]);
  }

  /** From per-client lists of days in any order, with repeats (for tests and small inputs). */
  static fromLists(clients: { id: string; days: ArrayLike<number> }[]): ClientHistories {
    const offsets = new Int32Array(clients.length + 1);
    const all: number[] = [];
    clients.forEach((c, i) => {
      all.push(...distinctDaysUpTo(c.days, Infinity));
      offsets[i + 1] = all.length;
    });
    return new ClientHistories(
      clients.map((c) => c.id),
      offsets,
      Int32Array.from(all),
    );
  }
}

export interface TransactionsReadOptions {
  idColumn?: string;
  dateColumn?: string;
}

/** Finds a header column by name (case and surrounding spaces ignored); -1 when absent. */
export function columnIndex(header: string[], name: string): number {
  const wanted = name.trim().toLowerCase();
  return header.findIndex((h) => h.trim().toLowerCase() === wanted);
}

/** A growable Int32Array. */
class IntColumn {
  data = new Int32Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
}

/**
 * A copy of `text` that does not point into the 1 MB chunk it was cut from: V8 keeps a long slice
 * as a view of its parent, so a stored id would otherwise pin the chunk (and the file) in memory.
 */
const detached = (text: string): string => (text.length > 12 ? Buffer.from(text, 'utf8').toString('utf8') : text);

/** Reads a transactions CSV into per-client visit days, clients in order of first appearance. */
export async function readTransactions(file: string, options: TransactionsReadOptions = {}): Promise<{ histories: ClientHistories; rows: number }> {
  const idColumn = options.idColumn ?? 'client_id';
  const dateColumn = options.dateColumn ?? 'date';
  const indexOf = new Map<string, number>();
  const ids: string[] = [];
  const clientOfRow = new IntColumn();
  const dayOfRow = new IntColumn();
  let idAt = -1;
  let dateAt = -1;
  let header: string[] | undefined;

  for await (const batch of readCsvBatches(file)) {
    for (const { line, fields } of batch) {
      if (!header) {
        header = fields;
        idAt = columnIndex(header, idColumn);
        dateAt = columnIndex(header, dateColumn);
        for (const [name, at, flag] of [
          [idColumn, idAt, '--id-column'],
          [dateColumn, dateAt, '--date-column'],
        ] as const) {
          if (at < 0) throw LapseInputError.at(file, line, name, `no such column in the header (found: ${header.map((h) => JSON.stringify(h)).join(', ')}); name the right one with ${flag}`);
        }
        continue;
      }
      if (fields.length !== header.length) {
        throw LapseInputError.at(file, line, undefined, `${fields.length} field${fields.length === 1 ? '' : 's'}, but the header has ${header.length}`);
      }
      const id = fields[idAt].trim();
      if (!id) throw LapseInputError.at(file, line, header[idAt], 'the client id is empty');
      const dateText = fields[dateAt].trim();
      const day = parseIsoDay(dateText);
      if (day === null) throw LapseInputError.at(file, line, header[dateAt], `${JSON.stringify(dateText)} is not a date (YYYY-MM-DD)`);
      let client = indexOf.get(id);
      if (client === undefined) {
        client = ids.length;
        const copy = detached(id);
        indexOf.set(copy, client);
        ids.push(copy);
      }
      clientOfRow.push(client);
      dayOfRow.push(day);
    }
  }
  if (!header) throw new LapseInputError(`${path.basename(file)} is empty: expected a header row naming the "${idColumn}" and "${dateColumn}" columns`, file, 1);
  return { histories: groupByClient(ids, clientOfRow, dayOfRow), rows: clientOfRow.length };
}

/** Counting sort of the rows by client, then each client's days sorted and made distinct. */
function groupByClient(ids: string[], clientOfRow: IntColumn, dayOfRow: IntColumn): ClientHistories {
  const n = ids.length;
  const rows = clientOfRow.length;
  const start = new Int32Array(n + 1);
  for (let r = 0; r < rows; r++) start[clientOfRow.data[r] + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const cursor = start.slice(0, n);
  const grouped = new Int32Array(rows);
  for (let r = 0; r < rows; r++) grouped[cursor[clientOfRow.data[r]]++] = dayOfRow.data[r];

  // Sort and deduplicate each client's run in place, compacting towards the front.
  const offsets = new Int32Array(n + 1);
  let out = 0;
  for (let i = 0; i < n; i++) {
    const run = grouped.subarray(start[i], start[i + 1]).sort();
    offsets[i] = out;
    for (let k = 0; k < run.length; k++) if (k === 0 || run[k] !== run[k - 1]) grouped[out++] = run[k];
  }
  offsets[n] = out;
  return new ClientHistories(ids, offsets, grouped.slice(0, out));
}

export interface ClientSummary {
  x: number;
  tx: number;
  T: number;
}

/**
 * BG/NBD summary of one client at `calibrationEndDay`, in `unit`: x = distinct visit days on or
 * before that day, less the first; tx = first to last of those; T = first to the calibration end.
 * Null when the first visit is after the calibration end (not yet a client then).
 */
export function summarise(days: ArrayLike<number>, calibrationEndDay: number, unit: TimeUnit): ClientSummary | null {
  const d = distinctDaysUpTo(days, calibrationEndDay);
  if (d.length === 0) return null;
  const k = UNIT_DAYS[unit];
  return { x: d.length - 1, tx: (d[d.length - 1] - d[0]) / k, T: (calibrationEndDay - d[0]) / k };
}

/**
 * Summaries of every client who had started by the calibration end, ready for fitBgNbd, in the
 * order of `histories`; `clients` holds each row's index in `histories`.
 */
export function summariseAll(histories: ClientHistories, calibrationEndDay: number, unit: TimeUnit): { ids: string[]; clients: Int32Array; summaries: BgNbdSummaries } {
  const k = UNIT_DAYS[unit];
  let n = 0;
  for (let i = 0; i < histories.size; i++) if (histories.days[histories.offsets[i]] <= calibrationEndDay && histories.offsets[i + 1] > histories.offsets[i]) n++;
  const ids: string[] = new Array(n);
  const clients = new Int32Array(n);
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < histories.size; i++) {
    const from = histories.offsets[i];
    const to = histories.offsets[i + 1];
    if (to === from || histories.days[from] > calibrationEndDay) continue;
    // Days are sorted: the last one on or before the calibration end.
    let last = to - 1;
    while (histories.days[last] > calibrationEndDay) last--;
    const first = histories.days[from];
    ids[j] = histories.ids[i];
    clients[j] = i;
    x[j] = last - from;
    tx[j] = (histories.days[last] - first) / k;
    T[j] = (calibrationEndDay - first) / k;
    j++;
  }
  return { ids, clients, summaries: { x, tx, T } };
}
