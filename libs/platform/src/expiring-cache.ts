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
 * away.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();

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

  get size(): number {
    return this.entries.size;
  }
}
