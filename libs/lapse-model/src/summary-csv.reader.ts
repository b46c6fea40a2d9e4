/**
 * Reads BG/NBD summaries already computed elsewhere (lifetimes' `summary_data_from_transaction_data`
 * writes this shape): columns `frequency` (x), `recency` (tx), `T`, and optionally `ID` or
 * `client_id`. Without an id column a client is named by its row number (1 = the first data row).
 */
import path from 'node:path';
import type { BgNbdSummaries } from './bgnbd';
import { readCsvBatches } from './csv-records.reader';
import { LapseInputError } from './lapse-input.error';
import { columnIndex } from './transactions';

export async function readSummaryCsv(file: string): Promise<{ ids: string[]; summaries: BgNbdSummaries }> {
  const ids: string[] = [];
  const x: number[] = [];
  const tx: number[] = [];
  const T: number[] = [];
  let header: string[] | undefined;
  let at = { id: -1, frequency: -1, recency: -1, T: -1 };

  const number = (fields: string[], line: number, i: number): number => {
    const text = fields[i].trim();
    const v = text === '' ? NaN : Number(text);
    if (!Number.isFinite(v)) throw LapseInputError.at(file, line, header![i], `${JSON.stringify(text)} is not a number`);
    if (v < 0) throw LapseInputError.at(file, line, header![i], `${text} is negative`);
    return v;
  };

  for await (const batch of readCsvBatches(file)) {
    for (const { line, fields } of batch) {
      if (!header) {
        header = fields;
        const id = columnIndex(header, 'ID');
        at = { id: id >= 0 ? id : columnIndex(header, 'client_id'), frequency: columnIndex(header, 'frequency'), recency: columnIndex(header, 'recency'), T: columnIndex(header, 'T') };
        for (const name of ['frequency', 'recency', 'T'] as const) {
          if (at[name] < 0) throw LapseInputError.at(file, line, name, `no such column in the header (found: ${header.map((h) => JSON.stringify(h)).join(', ')}); a summary file has frequency, recency and T`);
        }
        continue;
      }
      if (fields.length !== header.length) throw LapseInputError.at(file, line, undefined, `${fields.length} field${fields.length === 1 ? '' : 's'}, but the header has ${header.length}`);
      const frequency = number(fields, line, at.frequency);
      if (!Number.isInteger(frequency)) throw LapseInputError.at(file, line, header[at.frequency], `${fields[at.frequency].trim()} is not a whole number of repeat visits`);
      const recency = number(fields, line, at.recency);
      const age = number(fields, line, at.T);
      if (frequency === 0 && recency !== 0) throw LapseInputError.at(file, line, header[at.recency], `is ${recency} but frequency is 0 (no repeat visit, so recency must be 0)`);
      if (recency > age) throw LapseInputError.at(file, line, header[at.recency], `${recency} is more than T (${age}): the last visit cannot come after the end of the period`);
      const id = at.id >= 0 ? fields[at.id].trim() : String(ids.length + 1);
      if (!id) throw LapseInputError.at(file, line, header[at.id], 'the client id is empty');
      ids.push(id);
      x.push(frequency);
      tx.push(recency);
      T.push(age);
    }
  }
  if (!header) throw new LapseInputError(`${path.basename(file)} is empty: expected a header row with frequency, recency and T`, file, 1);
  return { ids, summaries: { x: Float64Array.from(x), tx: Float64Array.from(tx), T: Float64Array.from(T) } };
}
