import { createReadStream } from 'node:fs';
import { CsvRecordReader, CsvSyntaxError } from '@comeback/csv';
import { LapseInputError } from './lapse-input.error';

/** One CSV record and the (1-based) line it starts on, so errors can point at it. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * The records of a CSV file, a batch per chunk read (one await per record would cost more than
 * parsing it), through the project's streaming RFC 4180 reader (@comeback/csv): LF or CRLF, a
 * byte-order mark, quoted fields with doubled quotes and line breaks inside; blank lines skipped.
 * Syntax errors and unreadable files become LapseInputErrors naming the file and line.
 */
export async function* readCsvBatches(file: string): AsyncGenerator<CsvRecord[]> {
  let ready: CsvRecord[] = [];
  const reader = new CsvRecordReader((fields, line) => ready.push({ line, fields }));
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      reader.push(chunk as Buffer);
      if (ready.length) {
        yield ready;
        ready = [];
      }
    }
    reader.end();
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw LapseInputError.at(file, err.line, undefined, err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      throw new LapseInputError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : 'permission denied'}`, file);
    }
    throw err;
  }
  if (ready.length) yield ready;
}
