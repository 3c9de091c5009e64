/**
 * Single-flight plus a short-lived memo for store reads: identical queries in flight share one store
 * round-trip, and an answer is reused for `ttlMs` (1 s by default) after it arrives. Dashboards and
 * many clients poll the same windows; rows arrive once a minute, so a second of staleness costs nothing
 * and turns N identical PG-wire queries into one. Failures are never cached.
 *
 * Memory is bounded by bytes, not entries: a flood of distinct heavy reads (10,000-candle pages are
 * megabytes each) must not pile up answers nobody will ask for again. Each answer's size is estimated
 * once it resolves (`estimateBytes`); every insert first drops the expired answers, then, while the
 * total is over `maxBytes`, the least recently used ones. An answer bigger than a sixteenth of the
 * budget is shared while in flight but not kept: such answers are one-off scans (a client paging
 * through history), and keeping them would push out the small answers that polling clients reuse.
 */

interface Entry {
  value: Promise<unknown>;
  /** Estimated bytes: the key and bookkeeping while in flight, plus the answer once resolved. */
  bytes: number;
  /** When the answer arrived (undefined while in flight: shared, never expired). */
  settledAt: number | undefined;
}

/** Map slots, the entry object and the promise: what an entry costs before its answer is counted. */
const ENTRY_OVERHEAD = 160;
/** Answers over this share of the budget are not kept (see above). */
const LARGEST_SHARE = 16;

export class QueryCache {
  /** Least recently used first: a hit moves its entry to the end. */
  readonly #entries = new Map<string, Entry>();
  /** Settled entries in the order they settled, which with one TTL is the order they expire. */
  readonly #bySettle = new Map<string, Entry>();
  #bytes = 0;

  constructor(
    private readonly ttlMs = 1000,
    private readonly maxBytes = 32 * 1024 * 1024,
    private readonly sizeOf: (answer: unknown) => number = estimateBytes,
  ) {}

  /** Estimated bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && (hit.settledAt === undefined || now - hit.settledAt < this.ttlMs)) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.value as Promise<T>;
    }
    if (hit) this.#remove(key, hit);
    this.#evictExpired(now);
    const value = load();
    const entry: Entry = { value, bytes: ENTRY_OVERHEAD + 2 * key.length, settledAt: undefined };
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    this.#evictOverBudget();
    value.then(
      (answer) => {
        if (this.#entries.get(key) !== entry) return;
        entry.settledAt = Date.now();
        const bytes = ENTRY_OVERHEAD + 2 * key.length + this.sizeOf(answer);
        this.#bytes += bytes - entry.bytes;
        entry.bytes = bytes;
        this.#bySettle.set(key, entry);
        if (this.ttlMs <= 0 || bytes > this.maxBytes / LARGEST_SHARE) this.#remove(key, entry);
        else this.#evictOverBudget();
      },
      () => {
        if (this.#entries.get(key) === entry) this.#remove(key, entry);
      },
    );
    return value;
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    if (this.#bySettle.get(key) === entry) this.#bySettle.delete(key);
    this.#bytes -= entry.bytes;
  }

  #evictExpired(now: number): void {
    for (const [key, entry] of this.#bySettle) {
      if (now - (entry.settledAt ?? now) < this.ttlMs) break;
      this.#remove(key, entry);
    }
  }

  #evictOverBudget(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#remove(key, entry);
    }
  }
}

/** Arrays longer than this are measured on an even sample of this many elements and extrapolated. */
const SAMPLE = 32;

/**
 * A rough size in bytes of a JSON-like value as the engine holds it (object headers, 8-byte slots,
 * 2-byte string characters). Store answers are arrays of flat, same-shaped objects, so a sample of a
 * long array measures it well at a fixed cost.
 */
export function estimateBytes(value: unknown, depth = 0): number {
  if (value === null || value === undefined) return 8;
  switch (typeof value) {
    case "number":
    case "boolean":
      return 8;
    case "bigint":
      return 24;
    case "string":
      return 24 + 2 * value.length;
    case "object":
      break;
    default:
      return 16;
  }
  if (depth > 6) return 64;
  if (Array.isArray(value)) {
    const n = value.length;
    if (n === 0) return 32;
    if (n <= SAMPLE) {
      let sum = 32 + 8 * n;
      for (const item of value) sum += estimateBytes(item, depth + 1);
      return sum;
    }
    let sampled = 0;
    for (let i = 0; i < SAMPLE; i++) sampled += estimateBytes(value[Math.floor((i * n) / SAMPLE)], depth + 1);
    return 32 + 8 * n + Math.ceil((sampled / SAMPLE) * n);
  }
  if (value instanceof Date) return 48;
  let sum = 32;
  for (const key in value) sum += 8 + estimateBytes((value as Record<string, unknown>)[key], depth + 1);
  return sum;
}
