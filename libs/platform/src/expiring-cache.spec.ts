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

  describe('load', () => {
    /** A read the test finishes by hand, counting how often it was started. */
    function manualRead<V>() {
      const calls: { key: string; resolve: (v: V) => void; reject: (e: Error) => void }[] = [];
      const read = (key: string) => new Promise<V>((resolve, reject) => calls.push({ key, resolve, reject }));
      return { calls, read };
    }

    it('reads a missing key once for every caller that comes while the read runs, then serves it from the cache', async () => {
      const cache = new ExpiringCache<string>(60_000);
      const { calls, read } = manualRead<string>();
      const waiting = Array.from({ length: 50 }, () => cache.load('org', read));
      expect(calls).toHaveLength(1);
      calls[0].resolve('reasons');
      expect(await Promise.all(waiting)).toEqual(Array(50).fill('reasons'));
      expect(await cache.load('org', read)).toBe('reasons');
      expect(calls).toHaveLength(1);
      expect(cache.get('org')).toEqual({ value: 'reasons', fresh: true });
    });

    it('serves a stale value at once while one background read refreshes it', async () => {
      jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const cache = new ExpiringCache<string>(1_000);
      cache.set('org', 'old');
      jest.setSystemTime(1_000_000 + 1_000);
      const { calls, read } = manualRead<string>();
      expect(await Promise.all([cache.load('org', read), cache.load('org', read), cache.load('org', read)])).toEqual(['old', 'old', 'old']);
      expect(calls).toHaveLength(1);
      calls[0].resolve('new');
      await new Promise((r) => setImmediate(r));
      expect(await cache.load('org', read)).toBe('new');
      expect(calls).toHaveLength(1);
    });

    it('keeps serving the stale value when the refresh fails, and tries again on the next call', async () => {
      jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const cache = new ExpiringCache<string>(1_000);
      cache.set('org', 'old');
      jest.setSystemTime(1_000_000 + 5_000);
      const { calls, read } = manualRead<string>();
      expect(await cache.load('org', read)).toBe('old');
      calls[0].reject(new Error('connect ECONNREFUSED'));
      await new Promise((r) => setImmediate(r));
      expect(await cache.load('org', read)).toBe('old');
      expect(calls).toHaveLength(2);
      expect(cache.get('org')).toEqual({ value: 'old', fresh: false });
    });

    it("passes a failed read's error to every caller of a key with no value, and keeps nothing", async () => {
      const cache = new ExpiringCache<string>(60_000);
      const { calls, read } = manualRead<string>();
      const waiting = [cache.load('org', read), cache.load('org', read)];
      calls[0].reject(new Error('connect ECONNREFUSED'));
      for (const w of waiting) await expect(w).rejects.toThrow('ECONNREFUSED');
      expect(cache.get('org')).toBeUndefined();
      cache.load('org', read);
      expect(calls).toHaveLength(2);
      calls[1].resolve('later');
    });
  });
});
