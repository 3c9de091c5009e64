/**
 * One partition of an in-memory topic: an append-only log with Kafka-style offsets. A compacted log
 * keeps only the latest entry per key once it has grown enough, so a long-running embedded process
 * does not hold every state snapshot it ever wrote; offsets stay as they were (gaps, as in Kafka).
 * An ordinary log can be truncated at its front (retention, see memory-retention.ts): its start
 * offset (Kafka's low watermark) moves up, the offsets of what stays never change.
 */
export interface LogEntry {
  offset: number;
  key: string | null;
  /** Empty for a tombstone. */
  value: Uint8Array;
  tombstone: boolean;
  timestamp: number;
}

/** Compaction runs once the log holds this many entries more than after its last compaction. */
const COMPACT_SLACK = 1000;
/** Truncated entries are released from the array in bulk, so a truncation is O(1) amortized. */
const RELEASE_AT = 1024;

export class PartitionLog {
  private entries: LogEntry[] = [];
  /** Index of the first retained entry: entries before it are truncated, not yet released. */
  private head = 0;
  /** The offset the next appended entry gets (Kafka's high watermark / log end offset). */
  end = 0;
  private sizeAfterCompaction = 0;

  constructor(readonly compacted: boolean) {}

  /** The first offset still held (Kafka's low watermark). */
  get start(): number {
    return this.entries[this.head]?.offset ?? this.end;
  }

  /** Entries held. */
  get size(): number {
    return this.entries.length - this.head;
  }

  append(key: string | null, value: Uint8Array | null, timestamp: number): number {
    const offset = this.end++;
    this.entries.push({
      offset,
      key,
      value: value ?? new Uint8Array(0),
      tombstone: value === null,
      timestamp,
    });
    if (this.compacted && this.size > 2 * this.sizeAfterCompaction + COMPACT_SLACK) this.compact();
    return offset;
  }

  /** Entries with offset >= `from` (from the log start when `from` is older), at most `max`, in offset order. */
  read(from: number, max: number): LogEntry[] {
    let i = this.head;
    if (from > this.start) {
      // Offsets are dense until a compaction, so try the direct index before searching.
      const direct = this.head + (from - this.start);
      i = this.entries[direct]?.offset === from ? direct : this.firstIndexAtOrAfter(from);
    }
    return this.entries.slice(i, i + max);
  }

  /** Every entry held, oldest first (a compacted log may already have dropped superseded ones). */
  all(): readonly LogEntry[] {
    this.release(true);
    return this.entries;
  }

  /** Drops every entry with an offset below `offset`; returns how many it dropped. */
  truncateBefore(offset: number): number {
    const i = Math.min(this.firstIndexAtOrAfter(offset), this.entries.length);
    const dropped = i - this.head;
    if (dropped <= 0) return 0;
    this.head = i;
    this.release(false);
    return dropped;
  }

  /** Drops the oldest `count` entries (at most all of them); returns how many it dropped. */
  dropOldest(count: number): number {
    const dropped = Math.max(0, Math.min(count, this.size));
    this.head += dropped;
    this.release(false);
    return dropped;
  }

  private release(always: boolean): void {
    if (this.head === 0) return;
    if (always || (this.head >= RELEASE_AT && this.head * 2 >= this.entries.length)) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  private firstIndexAtOrAfter(offset: number): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries[mid]?.offset ?? Number.POSITIVE_INFINITY) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Keeps the latest entry per key (tombstones too: a consumer behind must still see the delete). */
  private compact(): void {
    this.release(true);
    const latest = new Map<string | null, number>();
    for (const e of this.entries) latest.set(e.key, e.offset);
    this.entries = this.entries.filter((e) => latest.get(e.key) === e.offset);
    this.sizeAfterCompaction = this.entries.length;
  }
}
