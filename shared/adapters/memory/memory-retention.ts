/**
 * Retention of the in-memory bus's ordinary (non-compacted) topics, so `bun start` can run for days
 * in bounded memory. Two rules, both moving a partition's log start up (offsets never change):
 *
 * - Consumed: messages that every consumer group that has ever subscribed to the topic has committed
 *   past are dropped, in chunks of at least `retentionSegment` (Kafka also deletes whole segments),
 *   so a trim is cheap and what was just consumed stays readable a little while. A group that
 *   subscribed but has no position yet holds everything; a topic no group ever subscribed to keeps
 *   its messages for a future `fromBeginning` group, up to the cap.
 * - Cap: a partition never holds more than `maxRetainedPerPartition` messages; past it the oldest
 *   chunk is dropped even if a group has not consumed it yet — like Kafka's size/time retention, a
 *   group that lags by more than the cap loses the oldest messages (logged at warn, counted in
 *   `lostByLaggingGroups`) and resumes at the log start, as does a new group with `fromBeginning`.
 *
 * Compacted topics are left alone: compaction already keeps only the latest value per key.
 */
import type { Logger } from "../../core/log.ts";
import type { PartitionLog } from "./memory-partition-log.ts";

export interface RetentionOptions {
  /** Most messages a partition of an ordinary topic holds. Default 100,000. */
  maxRetainedPerPartition?: number;
  /** Consumed messages are dropped once at least this many are droppable. Default 1,000. */
  retentionSegment?: number;
}

export interface RetentionStats {
  /** Messages dropped because every group had committed past them. */
  droppedConsumed: number;
  /** Messages dropped by the cap (whether consumed or not). */
  droppedByCap: number;
  /** Of those dropped by the cap: messages some group that subscribed had not committed yet. */
  lostByLaggingGroups: number;
}

/** Where one group that ever subscribed to the topic stands on a partition (undefined: no position yet). */
export interface GroupPosition {
  groupId: string;
  committed: number | undefined;
}

export class MemoryRetention {
  readonly maxRetained: number;
  readonly segment: number;
  private readonly counts: RetentionStats = { droppedConsumed: 0, droppedByCap: 0, lostByLaggingGroups: 0 };

  constructor(
    options: RetentionOptions,
    private readonly logger: Logger,
  ) {
    this.maxRetained = options.maxRetainedPerPartition ?? 100_000;
    this.segment = options.retentionSegment ?? 1000;
    for (const [name, value] of Object.entries({ maxRetained: this.maxRetained, segment: this.segment }))
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`retention ${name} must be an integer >= 1`);
  }

  stats(): RetentionStats {
    return { ...this.counts };
  }

  /** After a group committed on the partition: drops what every group has consumed. */
  afterCommit(log: PartitionLog, groups: () => GroupPosition[]): void {
    if (log.compacted) return;
    const positions = groups();
    if (positions.length === 0) return;
    let floor = Number.POSITIVE_INFINITY;
    for (const { committed } of positions) floor = Math.min(floor, committed ?? log.start);
    if (floor - log.start >= this.segment) this.counts.droppedConsumed += log.truncateBefore(floor);
  }

  /** After an append: enforces the cap, dropping the oldest chunk. */
  afterAppend(
    where: { topic: string; partition: number },
    log: PartitionLog,
    groups: () => GroupPosition[],
  ): void {
    if (log.compacted || log.size <= this.maxRetained) return;
    const chunk = Math.min(this.segment, this.maxRetained);
    const from = log.start;
    const dropped = log.dropOldest(log.size - this.maxRetained + chunk - 1);
    const to = log.start;
    this.counts.droppedByCap += dropped;
    const lagging = groups()
      .map(({ groupId, committed }) => ({ groupId, lost: to - Math.max(committed ?? from, from) }))
      .filter(({ lost }) => lost > 0);
    const lost = Math.max(0, ...lagging.map((g) => g.lost));
    this.counts.lostByLaggingGroups += lost;
    const fields = { ...where, dropped, logStart: to, maxRetainedPerPartition: this.maxRetained };
    if (lagging.length > 0)
      this.logger.warn("retention cap dropped messages a lagging group had not consumed", {
        ...fields,
        lagging,
      });
    else this.logger.info("retention cap dropped the oldest messages", fields);
  }
}
