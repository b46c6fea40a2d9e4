import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';

const NEEDS_QUOTING = /[",\r\n]/;

/** One CSV field per RFC 4180: quoted only when it holds a comma, a double quote, CR or LF; inner quotes doubled. */
export function csvField(value: string): string {
  return NEEDS_QUOTING.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Rows are gathered into a string of about this many characters before going to the stream. */
const DEFAULT_CHUNK_CHARS = 1 << 20;
/**
 * The stream may hold a few chunks while the disk catches up, so generation and writing overlap;
 * past that, `flush` waits for 'drain' and memory stays bounded whatever the file size.
 */
const STREAM_HIGH_WATER_MARK = 4 << 20;

/**
 * Appends CSV text to a file through a write stream that honours backpressure. The caller appends
 * finished lines (cheap string concatenation) and awaits `flush()` when `needsFlush` says a chunk
 * is full; only then does it touch the stream.
 */
export class CsvFileWriter {
  private pending: string;
  private rows = 0;
  private readonly stream: WriteStream;
  private failure: Error | null = null;

  constructor(
    readonly path: string,
    header: readonly string[],
    private readonly chunkChars = DEFAULT_CHUNK_CHARS,
  ) {
    this.stream = createWriteStream(path, { encoding: 'utf8', highWaterMark: STREAM_HIGH_WATER_MARK });
    // Kept so an error between two flushes is reported by the next flush instead of crashing the process.
    this.stream.on('error', (error) => (this.failure ??= error));
    this.pending = `${header.join(',')}\n`;
  }

  /** Appends one row; `line` must be already-escaped fields joined by commas and ending in "\n". */
  appendLine(line: string): void {
    this.pending += line;
    this.rows++;
  }

  /** Data rows appended so far (the header not counted). */
  get rowCount(): number {
    return this.rows;
  }

  get needsFlush(): boolean {
    return this.pending.length >= this.chunkChars;
  }

  /** Hands the gathered text to the stream; waits for 'drain' when the stream is full. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    if (this.pending.length === 0) return;
    const chunk = this.pending;
    this.pending = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
    this.throwIfFailed();
  }

  /** Writes what is left and waits until the file is complete on disk. */
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    this.throwIfFailed();
  }

  /** Abandons the file (after an error elsewhere): releases the descriptor without waiting. */
  destroy(): void {
    this.stream.destroy();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
