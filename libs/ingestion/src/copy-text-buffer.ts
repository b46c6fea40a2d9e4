/** COPY text format: backslash, tab, newline and carriage return are escaped; NULL is \N. */
export function copyValue(v: string | null): string {
  if (v === null) return '\\N';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 92 || c === 9 || c === 10 || c === 13) {
      return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
    }
  }
  return v;
}

const PART_BYTES = 1 << 20;
const PENDING_CHARS = 16 << 10;

/**
 * Gathers COPY text rows into 1 MB off-heap parts, for both the staged upserts and the bulk loads.
 * Rows kept as JS strings until a megabyte was ready outlived the young generation (garbage
 * collection took a third of an import); a Buffer.write per row cost another tenth, so a few
 * hundred rows are gathered as text first (that string still dies young).
 */
export class CopyTextBuffer {
  private out = Buffer.allocUnsafe(PART_BYTES);
  private used = 0;
  private pending = '';

  /** Adds rows; returns a full part when one is ready to send, else null. */
  append(text: string): Buffer | null {
    this.pending += text;
    return this.pending.length >= PENDING_CHARS ? this.encodePending() : null;
  }

  /** Everything gathered and not yet returned, as zero, one or two parts. */
  take(): Buffer[] {
    const parts: Buffer[] = [];
    const full = this.pending ? this.encodePending() : null;
    if (full) parts.push(full);
    const rest = this.takeOut();
    if (rest) parts.push(rest);
    return parts;
  }

  clear(): void {
    this.used = 0;
    this.pending = '';
  }

  /** Moves the pending text into `out`; returns the previous part if it had no room left. */
  private encodePending(): Buffer | null {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const full = PART_BYTES - this.used < this.pending.length * 3 ? this.takeOut() : null;
    this.used += this.out.write(this.pending, this.used, 'utf8');
    this.pending = '';
    return full;
  }

  private takeOut(): Buffer | null {
    if (!this.used) return null;
    // A fresh buffer each time: the socket may still hold the old one.
    const part = this.out.subarray(0, this.used);
    this.out = Buffer.allocUnsafe(PART_BYTES);
    this.used = 0;
    return part;
  }
}
