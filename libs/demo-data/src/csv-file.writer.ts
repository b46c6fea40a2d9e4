import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { csvField } from '@comeback/csv';

/** Size of the buffers handed to the stream: about 1 MB per write. */
const DEFAULT_CHUNK_BYTES = 1 << 20;
/**
 * Rows are first joined into a short string, then encoded into the current chunk buffer. Keeping
 * the strings short matters for memory: a string that grows to 1 MB lives long enough to be
 * promoted to V8's old generation, and a run then leaves hundreds of MB of dead strings there
 * between major collections (measured: ~290 MB RSS at 100k clients with 1 MB strings). Strings of
 * ~32k characters die young and are swept cheaply.
 */
const STRING_BATCH_CHARS = 32 * 1024;
/** A UTF-16 code unit never takes more than 3 bytes in UTF-8. */
const MAX_UTF8_BYTES_PER_CHAR = 3;
/**
 * The stream may hold about two chunks while the disk catches up, so generation and writing
 * overlap; past that the writer asks the caller to wait for 'drain' and memory stays bounded.
 */
const STREAM_HIGH_WATER_MARK = 2 << 20;

/**
 * Appends CSV lines to a file through a write stream, honouring backpressure. `appendLine` is
 * synchronous and cheap; after each batch of lines the caller checks `needsFlush` and, when set,
 * awaits `flush()`, which waits for the stream's 'drain'. Chunk buffers are reused once the stream
 * has written them, so memory is constant whatever the size of the file.
 */
export class CsvFileWriter {
  private pending: string;
  private rows = 0;
  private buffer: Buffer;
  private used = 0;
  private readonly freeBuffers: Buffer[] = [];
  private streamFull = false;
  private readonly stream: WriteStream;
  private failure: Error | null = null;

  constructor(
    readonly path: string,
    header: readonly string[],
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    if (chunkBytes < STRING_BATCH_CHARS * MAX_UTF8_BYTES_PER_CHAR * 2) throw new RangeError(`chunkBytes too small: ${chunkBytes}`);
    this.buffer = Buffer.allocUnsafe(chunkBytes);
    this.stream = createWriteStream(path, { highWaterMark: STREAM_HIGH_WATER_MARK });
    // Kept so an error between two flushes is reported by the next flush instead of crashing the process.
    this.stream.on('error', (error) => (this.failure ??= error));
    this.pending = `${header.join(',')}\n`;
  }

  /** Appends one row: already-escaped fields joined by commas, ending in "\n". */
  appendLine(line: string): void {
    this.pending += line;
    this.rows++;
    if (this.pending.length >= STRING_BATCH_CHARS) this.encodePending();
  }

  /** Data rows appended so far (the header not counted). */
  get rowCount(): number {
    return this.rows;
  }

  /** True when the stream has more queued than its high-water mark: await `flush()` before appending more. */
  get needsFlush(): boolean {
    return this.streamFull;
  }

  /** Waits until the stream has written what it holds, if it asked for that. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    if (this.streamFull) {
      await once(this.stream, 'drain');
      this.streamFull = false;
    }
    this.throwIfFailed();
  }

  /** Writes what is left and waits until the file is complete on disk. */
  async close(): Promise<void> {
    this.encodePending();
    this.sendBuffer();
    this.stream.end();
    await finished(this.stream);
    this.throwIfFailed();
  }

  /** Abandons the file (after an error elsewhere): releases the descriptor without waiting. */
  destroy(): void {
    this.stream.destroy();
  }

  private encodePending(): void {
    if (this.pending.length === 0) return;
    if (this.used + this.pending.length * MAX_UTF8_BYTES_PER_CHAR > this.chunkBytes) this.sendBuffer();
    this.used += this.buffer.write(this.pending, this.used, 'utf8');
    this.pending = '';
  }

  /** Hands the filled part of the current buffer to the stream and continues in a free one. */
  private sendBuffer(): void {
    if (this.used === 0) return;
    const sent = this.buffer;
    // The stream keeps a reference until written; the buffer is reused only after that.
    const accepted = this.stream.write(sent.subarray(0, this.used), () => this.freeBuffers.push(sent));
    if (!accepted) this.streamFull = true;
    this.buffer = this.freeBuffers.pop() ?? Buffer.allocUnsafe(this.chunkBytes);
    this.used = 0;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
