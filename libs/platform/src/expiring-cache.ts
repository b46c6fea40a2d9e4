/** An entry as read: its value, and whether it is younger than the cache's time to live. */
export interface CachedEntry<V> {
  value: V;
  fresh: boolean;
}

/**
 * A small in-process cache of values read from PostgreSQL, each trusted for `ttlMs`. Holds at
 * most `maxEntries` keys (the oldest written goes first): its keys can come from requests (an
 * organization id in a webhook's URL), and a cache a stranger can fill is a memory leak. A stale
 * entry is still returned, marked not fresh, so a caller may fall back on it while the database is
 * away. `load` is the way to read through it on a hot path (see there).
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();
  /** The reads under way, one per key (bounded by the requests in flight, and gone when they end). */
  private readonly reading = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string): CachedEntry<V> | undefined {
    const entry = this.entries.get(key);
    return entry && { value: entry.value, fresh: Date.now() - entry.at < this.ttlMs };
  }

  set(key: string, value: V): void {
    // Deleted first so that the key moves to the end of the Map's insertion order.
    this.entries.delete(key);
    this.entries.set(key, { value, at: Date.now() });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /**
   * The value for `key`, read with `read` when it is missing or stale, and kept. One read per key
   * at a time: callers that come while it runs share it. A stale value is returned at once while
   * it is read again in the background (stale-while-revalidate), and stays in use when that read
   * fails (the next caller tries again). Why: on a page served a thousand times a second, an entry
   * that expires otherwise sends every request in flight to the database with the same query at
   * once, and they queue behind each other for hundreds of milliseconds (the load bench's
   * feedback page did). Only a key never read waits for the database, and sees its error.
   */
  load(key: string, read: (key: string) => Promise<V>): Promise<V> {
    const cached = this.get(key);
    if (cached?.fresh) return Promise.resolve(cached.value);
    let pending = this.reading.get(key);
    if (!pending) {
      pending = read(key)
        .then((value) => {
          this.set(key, value);
          return value;
        })
        .finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
      // A stale value is served; a failed refresh must not become an unhandled rejection.
      if (cached) pending.catch(() => undefined);
    }
    return cached ? Promise.resolve(cached.value) : pending;
  }

  /** Forgets a key (its value changed here, so a later `load` reads it again). A read under way still stores what it read. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
