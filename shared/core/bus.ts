/**
 * The `Bus` port: what services need from a message bus, and nothing more. Two adapters implement it:
 * Kafka (kafkajs, `kafka-bus.ts`) and in-memory (`memory-bus.ts`, embedded mode and unit tests).
 * Services depend on this interface only; the wiring in cli/ picks the adapter.
 *
 * Semantics every adapter keeps (the contract test in bus.contract.ts checks them):
 * - messages with the same key go to the same partition, in publish order;
 * - `onBatch` receives messages of one partition in offset order; the group's offsets advance only
 *   after `onBatch` resolves; if it throws, the same messages are delivered again (at-least-once);
 * - within a group each partition is consumed by one subscriber at a time.
 */
export interface OutgoingMessage {
  key: string;
  /**
   * `null` is a tombstone: on a compacted topic it deletes the key (readLatestByKey drops it).
   * Consumers receive a tombstone as an empty `value`.
   */
  value: string | Uint8Array | null;
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit; kept as decimal strings like kafkajs does. */
  offset: string;
  key: string | null;
  /** The original bytes, untouched (a dead letter keeps them exactly). */
  value: Uint8Array;
  /** Broker/append time, epoch ms. */
  timestamp: number;
}

export interface Batch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface BatchContext {
  /** Keep group membership alive during long work. */
  heartbeat(): Promise<void>;
  /** False once the subscription is stopping: finish or abandon the batch quickly. */
  isRunning(): boolean;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts. Default true: nothing published before start-up is lost. */
  fromBeginning?: boolean;
  onBatch(batch: Batch, context: BatchContext): Promise<void>;
  /** Called after each (re)assignment with this member's partitions, before their first batch. */
  onAssigned?(partitions: TopicPartition[]): Promise<void> | void;
  /**
   * A hint, for consumers whose cost is per batch (one store write each): how many bytes of a
   * partition a batch may carry when a backlog waits (Kafka: the fetch size per partition, as stored,
   * i.e. compressed; default 1 MiB). It changes only the size of batches, never what is delivered or
   * in which order; the in-memory bus ignores it (its batches are bounded by count).
   */
  maxBatchBytes?: number;
}

export interface Subscription {
  /** Stops consuming; resolves after the in-flight batch settled. */
  stop(): Promise<void>;
  /** Messages not yet committed by the group, summed over its partitions (consumer lag). */
  lag(): Promise<number>;
}

export interface TopicSpec {
  name: string;
  partitions?: number;
  replication?: number;
  /** Log compaction (latest value per key kept): used for state changelogs. */
  compacted?: boolean;
  /**
   * With `compacted`: how long a value stays readable before compaction may drop it for a later one
   * (Kafka's `min.compaction.lag.ms`). Lets a reader choose among recent values (ReadLatestOptions).
   */
  minCompactionLagMs?: number;
}

export interface ReadLatestOptions {
  /**
   * Whether a later value of a key replaces the one kept so far (default: always, i.e. last write
   * wins). The processor keeps the most advanced state instead, so a late write from a stale replica
   * does not win (processor/README.md, recovery). Tombstones always delete.
   */
  replaces?(later: Uint8Array, kept: Uint8Array): boolean;
}

export interface Bus {
  /** Creates missing topics; existing ones are left as they are. */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** Resolves once the bus acknowledged every message. */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** The latest value of every key in `topic`, read from its start to its current end (state restore). */
  readLatestByKey(topic: string, options?: ReadLatestOptions): Promise<Map<string, Uint8Array>>;
  close(): Promise<void>;
}

export const textDecoder = new TextDecoder();
export const textEncoder = new TextEncoder();
