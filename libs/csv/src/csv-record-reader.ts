/** Called for each record with the physical line number where the record starts (1-based). */
export type RecordHandler = (fields: string[], line: number) => void;

/** A CSV syntax problem (unterminated quote, stray quote) with the line it starts on. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/**
 * A streaming RFC 4180 reader: feed it chunks of bytes, it calls `onRecord` for each complete
 * record, keeping only the unfinished tail in memory. Lines without a double quote take a fast
 * path (`split(',')`), which is nearly every line of a real export; quoted fields, doubled
 * quotes and line breaks inside quotes go through a careful character loop. Accepts LF and CRLF,
 * strips a UTF-8 byte-order mark, and decodes UTF-8 across chunk boundaries. Bytes that are not
 * UTF-8 are a CsvSyntaxError naming their line: replacing them (U+FFFD) would store names other
 * than the ones the file holds, without anyone being told.
 */
export class CsvRecordReader {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private tail = '';
  private line = 1;
  private first = true;

  constructor(private readonly onRecord: RecordHandler) {}

  push(chunk: Buffer): void {
    const decoded = this.decode(chunk, false);
    let text = decoded.text;
    if (this.first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.first = false;
    }
    this.consume(this.tail.length ? this.tail + text : text, false);
    // The records before the bad byte are read (an importer reports them as usual), then the byte's line.
    if (decoded.invalid) this.refuseInvalidBytes();
  }

  /** Flushes the last record (a file need not end with a newline). */
  end(): void {
    const decoded = this.decode(Buffer.alloc(0), true);
    if (decoded.invalid) this.refuseInvalidBytes(); // the file ends inside a character
    const rest = this.tail + decoded.text;
    this.tail = '';
    if (rest.length) this.consume(rest, true);
  }

  /** The chunk's text; when it holds bytes that are not UTF-8, the text before the first of them and `invalid`. */
  private decode(chunk: Buffer, final: boolean): { text: string; invalid: boolean } {
    try {
      return { text: this.decoder.decode(chunk, { stream: !final }), invalid: false };
    } catch {
      // The chunk may begin with the rest of a character the previous one began (the decoder had
      // it pending): those bytes are not the bad ones, so the search starts after them.
      let start = 0;
      while (start < 3 && start < chunk.length && (chunk[start] & 0xc0) === 0x80) start++;
      const lenient = new TextDecoder('utf-8').decode(chunk.subarray(start));
      const bad = lenient.indexOf('\uFFFD');
      return { text: bad === -1 ? '' : lenient.slice(0, bad), invalid: true };
    }
  }

  /** The bad byte is on the line after the records read so far and the unfinished one's line breaks. */
  private refuseInvalidBytes(): never {
    const line = this.line + this.tail.split('\n').length - 1;
    throw new CsvSyntaxError(line, `bytes that are not UTF-8 on line ${line} (save the file as UTF-8)`);
  }

  private consume(text: string, final: boolean): void {
    let pos = 0;
    const len = text.length;
    // Position of the next double quote at or after `pos` (-1: none left); found once, not per line.
    let quote = text.indexOf('"');
    while (pos < len) {
      let nl = text.indexOf('\n', pos);
      if (nl === -1) {
        if (!final) break;
        nl = len;
      }
      if (quote !== -1 && quote < pos) quote = text.indexOf('"', pos);
      if (quote === -1 || quote > nl) {
        // Fast path: an unquoted line.
        let end = nl;
        if (end > pos && text.charCodeAt(end - 1) === 13) end--;
        if (end > pos) this.onRecord(text.slice(pos, end).split(','), this.line);
        this.line++;
        pos = nl + 1;
        continue;
      }
      const next = this.quotedRecord(text, pos, final);
      if (next === -1) break; // the record continues in the next chunk
      pos = next;
    }
    this.tail = pos < len ? text.slice(pos) : '';
  }

  /** Reads one record that has quotes; returns the index after it, or -1 if it is incomplete. */
  private quotedRecord(text: string, start: number, final: boolean): number {
    const fields: string[] = [];
    const len = text.length;
    const startLine = this.line;
    let lines = 0;
    let i = start;
    let field = '';
    for (;;) {
      if (i < len && text.charCodeAt(i) === 34) {
        // Quoted field: runs to the next quote not followed by another quote.
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) {
            if (!final) return -1;
            throw new CsvSyntaxError(startLine, `unterminated quoted field starting on line ${startLine}`);
          }
          const piece = text.slice(i, q);
          for (let k = piece.indexOf('\n'); k !== -1; k = piece.indexOf('\n', k + 1)) lines++;
          field += piece;
          if (q + 1 < len && text.charCodeAt(q + 1) === 34) {
            field += '"';
            i = q + 2;
            continue;
          }
          if (q + 1 >= len && !final) return -1;
          i = q + 1;
          break;
        }
        // After the closing quote: a separator, a line end, or the end of input.
        const c = i < len ? text.charCodeAt(i) : -1;
        if (c === 13 && i + 1 < len && text.charCodeAt(i + 1) === 10) i++;
        else if (c === 13 && i + 1 >= len && !final) return -1;
        const d = i < len ? text.charCodeAt(i) : -1;
        if (d !== 44 && d !== 10 && d !== -1) {
          throw new CsvSyntaxError(startLine + lines, `unexpected character after a closing quote on line ${startLine + lines}`);
        }
      } else {
        // Unquoted field up to the next comma or line end; a quote inside it is an error.
        let j = i;
        while (j < len) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10) break;
          if (c === 34) throw new CsvSyntaxError(startLine + lines, `a double quote inside an unquoted field on line ${startLine + lines}`);
          j++;
        }
        if (j >= len && !final) return -1;
        field = text.slice(i, j);
        if (field.length && field.charCodeAt(field.length - 1) === 13) field = field.slice(0, -1);
        i = j;
      }
      fields.push(field);
      field = '';
      const c = i < len ? text.charCodeAt(i) : -1;
      if (c === 44) {
        i++;
        continue;
      }
      // End of record.
      this.line = startLine + lines + 1;
      this.onRecord(fields, startLine);
      return c === 10 ? i + 1 : i;
    }
  }
}
