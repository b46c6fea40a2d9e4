import { CompactIdMap } from './compact-id-map';

describe('CompactIdMap', () => {
  it('finds every key it was given, through growth and rehashing, and nothing else', () => {
    const map = new CompactIdMap();
    const n = 50_000;
    for (let i = 0; i < n; i++) map.add(`c${String(i).padStart(7, '0')}`, i * 3 + 1);
    expect(map.size).toBe(n);
    for (let i = 0; i < n; i += 7) expect(map.get(`c${String(i).padStart(7, '0')}`)).toBe(i * 3 + 1);
    expect(map.get('c9999999')).toBeUndefined();
    expect(map.get('c000000')).toBeUndefined(); // a prefix of a key
    expect(map.get('c00000001')).toBeUndefined(); // a key plus one character
    expect(map.get('')).toBeUndefined();
  });

  it('handles keys in any script, given as strings or as UTF-8 bytes', () => {
    const map = new CompactIdMap();
    const keys = ['ნინო-1', 'ગીતા', 'ສົມພອນ', 'Çağrı', 'клиент-7', 'a\tb', '😀'];
    keys.forEach((k, i) => {
      const bytes = Buffer.concat([Buffer.from('xx'), Buffer.from(k, 'utf8'), Buffer.from('yy')]);
      if (i % 2) map.add(k, i + 100);
      else map.addBytes(bytes, 2, bytes.length - 2, i + 100);
    });
    keys.forEach((k, i) => expect([k, map.get(k)]).toEqual([k, i + 100]));
    expect(map.get('ნინო-2')).toBeUndefined();
    // A non-ASCII key longer than the scratch buffer.
    const long = 'ლ'.repeat(600);
    map.add(long, 9);
    expect(map.get(long)).toBe(9);
  });

  it('keeps ids up to 2^53 exactly', () => {
    const map = new CompactIdMap();
    map.add('big', 2 ** 53 - 1);
    expect(map.get('big')).toBe(Number.MAX_SAFE_INTEGER);
  });
});
