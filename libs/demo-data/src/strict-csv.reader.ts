/**
 * A deliberately strict CSV reader for the specs (not used by the generator): it accepts only what
 * the generator promises, so a test reading a file with it also proves the file's format.
 * - records end in "\n" (no CR anywhere outside quotes), the file ends with one;
 * - a field is quoted only when it contains a comma, a double quote, CR or LF, and a quote inside
 *   a quoted field is doubled; a bare quote in an unquoted field is an error;
 * - every record has as many fields as the header.
 */
export function readStrictCsv(text: string): { header: string[]; rows: string[][] } {
  if (!text.endsWith('\n')) throw new Error('CSV must end with a newline');
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field: string;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new Error(`Unterminated quoted field at offset ${i}`);
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      if (!/[",\r\n]/.test(value)) throw new Error(`Needlessly quoted field ${JSON.stringify(value)} at offset ${i}`);
      field = value;
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\n') end++;
      field = text.slice(i, end);
      if (/["\r]/.test(field)) throw new Error(`Unquoted field with a quote or CR: ${JSON.stringify(field)}`);
      i = end;
    }
    record.push(field);
    if (text[i] === ',') {
      i++;
    } else if (text[i] === '\n') {
      records.push(record);
      record = [];
      i++;
    } else {
      throw new Error(`Expected a comma or a newline at offset ${i}, found ${JSON.stringify(text[i])}`);
    }
  }
  const [header, ...rows] = records;
  if (!header) throw new Error('CSV has no header');
  rows.forEach((row, n) => {
    if (row.length !== header.length) throw new Error(`Row ${n + 1} has ${row.length} fields, the header ${header.length}`);
  });
  return { header, rows };
}

/** Rows as objects keyed by the header's column names. */
export function readStrictCsvObjects(text: string): { header: string[]; records: Record<string, string>[] } {
  const { header, rows } = readStrictCsv(text);
  return { header, records: rows.map((row) => Object.fromEntries(header.map((column, i) => [column, row[i]]))) };
}
