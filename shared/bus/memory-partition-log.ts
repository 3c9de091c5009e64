/**
 * One partition of an in-memory topic: an append-only log with Kafka-style offsets. A compacted log
 * keeps only the latest entry per key once it has grown enough, so a long-running embedded process
 * does not hold every state snapshot it ever wrote; offsets stay as they were (gaps, as in Kafka).
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

export class PartitionLog {
  private entries: LogEntry[] = [];
  /** The offset the next appended entry gets (Kafka's high watermark / log end offset). */
  end = 0;
  private sizeAfterCompaction = 0;

  constructor(private readonly compacted: boolean) {}

  /** The first offset still held (Kafka's low watermark). */
  get start(): number {
    return this.entries[0]?.offset ?? this.end;
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
    if (this.compacted && this.entries.length > 2 * this.sizeAfterCompaction + COMPACT_SLACK) this.compact();
    return offset;
  }

  /** Entries with offset >= `from`, at most `max` of them, in offset order. */
  read(from: number, max: number): LogEntry[] {
    // Offsets are dense until a compaction, so try the direct index before searching.
    const direct = from - this.start;
    let i = this.entries[direct]?.offset === from ? direct : this.firstIndexAtOrAfter(from);
    if (i < 0) i = 0;
    return this.entries.slice(i, i + max);
  }

  /** Every entry, oldest first (a compacted log may already have dropped superseded ones). */
  all(): readonly LogEntry[] {
    return this.entries;
  }

  private firstIndexAtOrAfter(offset: number): number {
    let lo = 0;
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
    const latest = new Map<string | null, number>();
    for (const e of this.entries) latest.set(e.key, e.offset);
    this.entries = this.entries.filter((e) => latest.get(e.key) === e.offset);
    this.sizeAfterCompaction = this.entries.length;
  }
}
