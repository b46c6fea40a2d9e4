/**
 * external_id → numeric id for up to millions of entries, kept off the JavaScript heap: the keys'
 * UTF-8 bytes in one Buffer, their offsets and ids in typed arrays, and an open-addressing hash
 * table of entry numbers. A Map of a million strings costs ~80 MB of heap that every garbage
 * collection walks; this costs ~30 MB that none does.
 */
export class CompactIdMap {
  private keys: Buffer = Buffer.allocUnsafe(1 << 16);
  private keyBytes = 0;
  /** offsets[i] .. offsets[i + 1]: the bytes of entry i's key. */
  private offsets = new Uint32Array(1025);
  private ids = new Float64Array(1024);
  private slots = new Int32Array(2048); // entry number + 1; 0 = empty
  private count = 0;
  private readonly scratch = Buffer.allocUnsafe(1024);

  get size(): number {
    return this.count;
  }

  /** Adds an entry; the key is given as its UTF-8 bytes (as read from PostgreSQL). */
  addBytes(source: Buffer, start: number, end: number, id: number): void {
    const len = end - start;
    if (this.keyBytes + len > this.keys.length) this.keys = grow(this.keys, this.keyBytes + len);
    source.copy(this.keys, this.keyBytes, start, end);
    if (this.count === this.ids.length) {
      // offsets has one more element than ids: entry i's key ends at offsets[i + 1].
      const offsets = new Uint32Array(this.ids.length * 2 + 1);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const ids = new Float64Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    const entry = this.count++;
    this.offsets[entry] = this.keyBytes;
    this.keyBytes += len;
    this.offsets[entry + 1] = this.keyBytes;
    this.ids[entry] = id;
    if (this.count * 2 > this.slots.length) this.rehash();
    else this.place(entry);
  }

  add(key: string, id: number): void {
    const bytes = Buffer.from(key, 'utf8');
    this.addBytes(bytes, 0, bytes.length, id);
  }

  get(key: string): number | undefined {
    // ASCII keys (nearly all) are compared char by char without encoding them.
    let ascii = true;
    for (let i = 0; i < key.length; i++) {
      if (key.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return this.lookup(key, null, key.length);
    const needed = Buffer.byteLength(key, 'utf8');
    const bytes = needed <= this.scratch.length ? this.scratch : Buffer.allocUnsafe(needed);
    bytes.write(key, 0, 'utf8');
    return this.lookup(null, bytes, needed);
  }

  private lookup(ascii: string | null, bytes: Buffer | null, len: number): number | undefined {
    const mask = this.slots.length - 1;
    let h = 0x811c9dc5;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ (ascii !== null ? ascii.charCodeAt(i) : (bytes as Buffer)[i]), 0x01000193);
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = this.slots[slot];
      if (e === 0) return undefined;
      const start = this.offsets[e - 1];
      if (this.offsets[e] - start !== len) continue;
      let same = true;
      for (let i = 0; i < len; i++) {
        const c = ascii !== null ? ascii.charCodeAt(i) : (bytes as Buffer)[i];
        if (this.keys[start + i] !== c) {
          same = false;
          break;
        }
      }
      if (same) return this.ids[e - 1];
    }
  }

  private hashOf(entry: number): number {
    let h = 0x811c9dc5;
    for (let i = this.offsets[entry]; i < this.offsets[entry + 1]; i++) h = Math.imul(h ^ this.keys[i], 0x01000193);
    return h;
  }

  private place(entry: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashOf(entry) & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = entry + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let e = 0; e < this.count; e++) this.place(e);
  }
}

function grow(b: Buffer, atLeast: number): Buffer {
  const next = Buffer.allocUnsafe(Math.max(b.length * 2, atLeast));
  b.copy(next);
  return next;
}
