import { copyValue, CopyTextBuffer } from './copy-text-buffer';

describe('CopyTextBuffer', () => {
  it('returns every byte once, in order, across many parts and scripts', () => {
    const buffer = new CopyTextBuffer();
    const rows = Array.from({ length: 60_000 }, (_, i) => `${i}\tნინო ${'x'.repeat(i % 40)}\tગીતા\n`);
    const parts: Buffer[] = [];
    for (const row of rows) {
      const full = buffer.append(row);
      if (full) parts.push(full);
    }
    parts.push(...buffer.take());
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.every((p) => p.length <= 1 << 20)).toBe(true);
    expect(Buffer.concat(parts).toString('utf8')).toBe(rows.join(''));
    expect(buffer.take()).toEqual([]);
  });

  it('drops what it holds on clear', () => {
    const buffer = new CopyTextBuffer();
    buffer.append('a\n');
    buffer.clear();
    expect(buffer.take()).toEqual([]);
  });

  it('escapes COPY text specials and writes NULL as \\N', () => {
    expect(copyValue('a\tb\\c\nd\re')).toBe('a\\tb\\\\c\\nd\\re');
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue('plain')).toBe('plain');
  });
});
