/**
 * Single-flight plus a short-lived memo for store reads: identical queries in flight share one store
 * round-trip, and an answer is reused for `ttlMs` (1 s by default). Dashboards and many clients poll
 * the same windows; rows arrive once a minute, so a second of staleness costs nothing and turns N
 * identical PG-wire queries into one. Failures are never cached.
 */
export class QueryCache {
  readonly #entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly ttlMs = 1000,
    private readonly maxEntries = 10_000,
  ) {}

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value as Promise<T>;
    if (this.#entries.size >= this.maxEntries) this.#sweep(now);
    const value = load();
    this.#entries.set(key, { at: now, value });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) if (now - entry.at >= this.ttlMs) this.#entries.delete(key);
    // Still full of fresh entries (a flood of distinct queries): start over rather than grow.
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
  }
}
