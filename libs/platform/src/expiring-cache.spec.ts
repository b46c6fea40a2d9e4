import { ExpiringCache } from './expiring-cache';

describe('ExpiringCache', () => {
  afterEach(() => jest.useRealTimers());

  it('returns a value as fresh within its time to live, then as stale (for a fallback), never dropping it by age', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const cache = new ExpiringCache<string>(60_000);
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', 'one');
    jest.setSystemTime(1_000_000 + 59_999);
    expect(cache.get('a')).toEqual({ value: 'one', fresh: true });
    jest.setSystemTime(1_000_000 + 60_000);
    expect(cache.get('a')).toEqual({ value: 'one', fresh: false });
    cache.set('a', 'two');
    expect(cache.get('a')).toEqual({ value: 'two', fresh: true });
  });

  it('holds at most maxEntries keys, letting the oldest written go first', () => {
    const cache = new ExpiringCache<number>(60_000, 3);
    for (const [i, key] of ['a', 'b', 'c'].entries()) cache.set(key, i);
    cache.set('a', 10); // rewritten: now the newest
    cache.set('d', 3);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => cache.get(k)?.value)).toEqual([10, 2, 3]);
  });
});
