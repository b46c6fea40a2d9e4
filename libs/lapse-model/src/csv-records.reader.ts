import { createReadStream } from 'node:fs';
import { LapseInputError } from './lapse-input.error';

/**
 * A small streaming RFC 4180 reader (the ingestion lib keeps its CSV reader private). Reads the
 * file in 1 MB chunks and yields the records of each chunk as one batch (one await per record
 * would cost more than parsing it), each with the line it starts on (1-based), so errors can
 * point at it. Accepts LF, CRLF or CR line ends, a UTF-8 byte order mark, quoted fields with
 * doubled quotes and line breaks inside; skips blank lines. A quote inside an unquoted field is
 * taken literally (spreadsheets write such files); text after a closing quote is an error.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: a doubled quote or the end of the field. */
  QuoteInQuoted,
}

export async function* readCsvBatches(file: string): AsyncGenerator<CsvRecord[]> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let state = State.FieldStart;
  let field = '';
  let fields: string[] = [];
  let line = 1;
  let recordLine = 1;
  let skipLf = false;
  let first = true;
  let ready: CsvRecord[] = [];
  /** The record had a quoted field: `""` alone on a line is a record, not a blank line. */
  let quoted = false;

  const endRecord = () => {
    if (quoted || !(fields.length === 1 && fields[0] === '')) ready.push({ line: recordLine, fields });
    fields = [];
    quoted = false;
    line++;
    recordLine = line;
  };

  try {
    for await (const chunk of stream) {
      let text = chunk as string;
      if (first) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      let seg = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (skipLf) {
          skipLf = false;
          if (c === LF) {
            seg = i + 1;
            continue;
          }
        }
        switch (state) {
          case State.FieldStart:
            if (c === QUOTE) {
              state = State.Quoted;
              quoted = true;
              seg = i + 1;
            } else if (c === COMMA) {
              fields.push('');
              seg = i + 1;
            } else if (c === LF || c === CR) {
              fields.push('');
              endRecord();
              skipLf = c === CR;
              seg = i + 1;
            } else {
              state = State.Unquoted;
              seg = i;
            }
            break;
          case State.Unquoted:
            if (c === COMMA || c === LF || c === CR) {
              fields.push(field + text.slice(seg, i));
              field = '';
              state = State.FieldStart;
              seg = i + 1;
              if (c !== COMMA) {
                endRecord();
                skipLf = c === CR;
              }
            }
            break;
          case State.Quoted:
            if (c === QUOTE) {
              field += text.slice(seg, i);
              state = State.QuoteInQuoted;
            } else if (c === LF) {
              line++;
            }
            break;
          case State.QuoteInQuoted:
            if (c === QUOTE) {
              field += '"';
              state = State.Quoted;
              seg = i + 1;
            } else if (c === COMMA || c === LF || c === CR) {
              fields.push(field);
              field = '';
              state = State.FieldStart;
              seg = i + 1;
              if (c !== COMMA) {
                endRecord();
                skipLf = c === CR;
              }
            } else {
              throw LapseInputError.at(file, line, undefined, `unexpected ${JSON.stringify(text[i])} after the closing quote of a field (a quote inside a quoted field is written "")`);
            }
            break;
        }
      }
      if (state === State.Unquoted || state === State.Quoted) field += text.slice(seg);
      if (ready.length) {
        yield ready;
        ready = [];
      }
    }
  } catch (err) {
    if (err instanceof LapseInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') throw new LapseInputError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : 'permission denied'}`, file);
    throw err;
  }

  if ((state as State) === State.Quoted) throw LapseInputError.at(file, recordLine, undefined, 'a quoted field is not closed before the end of the file');
  if (state !== State.FieldStart || fields.length) {
    fields.push(field);
    endRecord();
  }
  if (ready.length) yield ready;
}
