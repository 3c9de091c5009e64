/**
 * The in-memory `Bus` (embedded mode, `bun start`, and unit tests). It keeps Kafka's semantics that
 * services rely on (see bus.ts): keyed partitions placed by Kafka's own murmur2, offsets, consumer
 * groups whose committed offsets advance only after `onBatch` resolved, partitions split among a
 * group's subscribers with rebalancing on join/leave, at-least-once redelivery with backoff.
 * Consumer loops wake on a broadcast signal, never on per-message timers; a batch is everything
 * available on one partition up to `maxBatchSize`. Ordinary topics are bounded by retention
 * (memory-retention.ts): what every group consumed is dropped, and a per-partition cap bounds the rest.
 */

import { backoffDelay, noJitter } from "../../core/backoff.ts";
import type {
  Bus,
  ConsumedMessage,
  OutgoingMessage,
  ReadLatestOptions,
  SubscribeOptions,
  Subscription,
  TopicPartition,
  TopicSpec,
} from "../../core/bus.ts";
import { textEncoder } from "../../core/bus.ts";
import { ShamdanError } from "../../core/errors.ts";
import { type Logger, silentLogger } from "../../core/log.ts";
import { keepLater } from "../keep-later.ts";
import { ASSIGN_RETRY, type Group, type Member, pendingRetryDelay, tpKey } from "./memory-group.ts";
import { PartitionLog } from "./memory-partition-log.ts";
import {
  type GroupPosition,
  MemoryRetention,
  type RetentionOptions,
  type RetentionStats,
} from "./memory-retention.ts";
import { partitionForKey } from "./partition-for-key.ts";
import { assignRoundRobin } from "./round-robin-assignment.ts";
import { WakeSignal, waitForWake } from "./wake-signal.ts";

export interface MemoryBusOptions extends RetentionOptions {
  /** Partitions of a topic whose spec gives none (Kafka's `num.partitions`). Default 1. */
  defaultPartitions?: number;
  /** Most messages in one `onBatch` call. Default 1000. */
  maxBatchSize?: number;
  /** First and longest wait before redelivering a batch whose `onBatch` threw. Default 50 ms .. 5 s. */
  retryBackoffMs?: { initial: number; max: number };
  logger?: Logger;
}

const unknownTopic = (topic: string) =>
  new ShamdanError("BUS_UNKNOWN_TOPIC", `topic "${topic}" does not exist (call ensureTopics first)`);

export class MemoryBus implements Bus {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, Group>();
  private readonly wake = new WakeSignal();
  private readonly subscriptions = new Set<Subscription>();
  /** Per topic: every group that has ever subscribed to it (retention waits for all of them). */
  private readonly groupsOfTopic = new Map<string, Set<string>>();
  private readonly retention: MemoryRetention;
  private nextMemberId = 0;
  private closed = false;
  private readonly maxBatchSize: number;
  private readonly defaultPartitions: number;
  private readonly backoff: { initial: number; max: number };
  private readonly logger: Logger;

  constructor(options: MemoryBusOptions = {}) {
    this.maxBatchSize = options.maxBatchSize ?? 1000;
    this.defaultPartitions = options.defaultPartitions ?? 1;
    this.backoff = options.retryBackoffMs ?? { initial: 50, max: 5000 };
    this.logger = (options.logger ?? silentLogger).child({ component: "memory-bus" });
    this.retention = new MemoryRetention(options, this.logger);
  }

  /** What retention dropped so far (see memory-retention.ts), and how many messages the bus holds. */
  retentionStats(): RetentionStats & { retained: number } {
    let retained = 0;
    for (const logs of this.topics.values()) for (const log of logs) retained += log.size;
    return { ...this.retention.stats(), retained };
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    for (const spec of specs) {
      if (this.topics.has(spec.name)) continue;
      const count = spec.partitions ?? this.defaultPartitions;
      if (!Number.isInteger(count) || count < 1)
        throw new ShamdanError("BUS_INVALID_TOPIC", `topic "${spec.name}" needs >= 1 partitions`);
      const logs = Array.from({ length: count }, () => new PartitionLog(spec.compacted === true));
      this.topics.set(spec.name, logs);
    }
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    const logs = this.logsOf(topic);
    const now = Date.now();
    for (const { key, value } of messages) {
      const bytes =
        value === null ? null : typeof value === "string" ? textEncoder.encode(value) : value.slice();
      const partition = partitionForKey(key, logs.length);
      const log = logs[partition];
      if (!log) continue;
      log.append(key, bytes, now);
      this.retention.afterAppend({ topic, partition }, log, () => this.positions(topic, partition));
    }
    if (messages.length > 0) this.wake.notify();
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    for (const topic of options.topics) this.logsOf(topic);
    for (const topic of options.topics) {
      const ids = this.groupsOfTopic.get(topic) ?? new Set();
      ids.add(options.groupId);
      this.groupsOfTopic.set(topic, ids);
    }
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = { members: [], committed: new Map(), inflight: new Set(), generation: 0 };
      this.groups.set(options.groupId, group);
    }
    const member: Member = {
      id: this.nextMemberId++,
      options,
      assignment: [],
      seenGeneration: -1,
      running: true,
      retries: new Map(),
      cursor: 0,
    };
    group.members.push(member);
    this.rebalance(group);
    const joined = group;
    member.loop = this.consume(joined, member);
    const subscription: Subscription = {
      stop: async () => {
        if (!member.running) return member.loop;
        member.running = false;
        this.wake.notify();
        await member.loop;
        joined.members = joined.members.filter((m) => m !== member);
        this.rebalance(joined);
        this.subscriptions.delete(subscription);
      },
      lag: async () => this.lagOf(joined, member),
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async readLatestByKey(topic: string, options: ReadLatestOptions = {}): Promise<Map<string, Uint8Array>> {
    const latest = new Map<string, Uint8Array>();
    for (const log of this.logsOf(topic))
      for (const entry of log.all()) {
        if (entry.key === null) continue;
        if (entry.tombstone) latest.delete(entry.key);
        else keepLater(latest, entry.key, entry.value, options);
      }
    return latest;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }

  private assertOpen(): void {
    if (this.closed) throw new ShamdanError("BUS_CLOSED", "the memory bus is closed");
  }

  private logsOf(topic: string): PartitionLog[] {
    const logs = this.topics.get(topic);
    if (!logs) throw unknownTopic(topic);
    return logs;
  }

  private log(topic: string, partition: number): PartitionLog {
    const log = this.topics.get(topic)?.[partition];
    if (!log) throw unknownTopic(topic);
    return log;
  }

  private positions(topic: string, partition: number): GroupPosition[] {
    const key = tpKey(topic, partition);
    return [...(this.groupsOfTopic.get(topic) ?? [])].map((groupId) => ({
      groupId,
      committed: this.groups.get(groupId)?.committed.get(key),
    }));
  }

  private rebalance(group: Group): void {
    const counts = new Map([...this.topics].map(([name, logs]) => [name, logs.length]));
    const plan = assignRoundRobin(
      group.members.map((m) => ({ id: m.id, topics: m.options.topics })),
      counts,
    );
    for (const member of group.members) {
      member.assignment = plan.get(member.id) ?? [];
      const kept = new Set(member.assignment.map((tp) => tpKey(tp.topic, tp.partition)));
      for (const key of member.retries.keys())
        if (!kept.has(key) && key !== ASSIGN_RETRY) member.retries.delete(key);
    }
    group.generation++;
    this.wake.notify();
  }

  private lagOf(group: Group, member: Member): number {
    let lag = 0;
    for (const { topic, partition } of member.assignment) {
      const log = this.log(topic, partition);
      const committed = group.committed.get(tpKey(topic, partition));
      const from = committed ?? (member.options.fromBeginning === false ? log.end : log.start);
      lag += Math.max(0, log.end - Math.max(from, log.start));
    }
    return lag;
  }

  /** One member's loop: announce the assignment, then deliver ready partitions round-robin. */
  private async consume(group: Group, member: Member): Promise<void> {
    while (member.running) {
      const wake = this.wake.next();
      // One clock reading for "is a retry due?" and "how long may the loop sleep?": with two, a retry
      // falling due between them was neither delivered nor waited for, and the loop slept until some
      // other event woke it.
      const now = Date.now();
      if (member.seenGeneration !== group.generation) {
        if (await this.announce(group, member, now)) continue;
        await waitForWake(wake, pendingRetryDelay(member, now));
        continue;
      }
      const next = this.nextReady(group, member, now);
      if (next) await this.deliver(group, member, next);
      else await waitForWake(wake, pendingRetryDelay(member, now));
    }
  }

  /**
   * Calls onAssigned once the partitions it gains are no longer in flight at their previous owner
   * (Kafka's rebalance barrier: the old owner's batch settles before the new owner starts).
   * Returns false when it has to wait for that.
   */
  private async announce(group: Group, member: Member, now: number): Promise<boolean> {
    const generation = group.generation;
    const partitions = member.assignment;
    if (partitions.some(({ topic, partition }) => group.inflight.has(tpKey(topic, partition)))) return false;
    for (const { topic, partition } of partitions) {
      const key = tpKey(topic, partition);
      if (group.committed.has(key)) continue;
      const log = this.log(topic, partition);
      group.committed.set(key, member.options.fromBeginning === false ? log.end : log.start);
    }
    const retryKey = ASSIGN_RETRY;
    const retry = member.retries.get(retryKey);
    if (retry && retry.at > now) return false;
    try {
      await member.options.onAssigned?.(partitions.map((p) => ({ ...p })));
      member.retries.delete(retryKey);
      if (group.generation === generation) member.seenGeneration = generation;
    } catch (error) {
      const attempts = (retry?.attempts ?? 0) + 1;
      member.retries.set(retryKey, {
        attempts,
        at: Date.now() + backoffDelay(attempts, this.backoff.initial, this.backoff.max, noJitter),
      });
      this.logger.warn("onAssigned failed; retrying", { groupId: member.options.groupId, attempts, error });
    }
    return true;
  }

  private nextReady(group: Group, member: Member, now: number): TopicPartition | undefined {
    const count = member.assignment.length;
    for (let i = 0; i < count; i++) {
      const tp = member.assignment[(member.cursor + i) % count];
      if (!tp) continue;
      const key = tpKey(tp.topic, tp.partition);
      if (group.inflight.has(key)) continue;
      if ((member.retries.get(key)?.at ?? 0) > now) continue;
      const committed = group.committed.get(key) ?? 0;
      if (committed >= this.log(tp.topic, tp.partition).end) continue;
      member.cursor = (member.cursor + i + 1) % count;
      return tp;
    }
    return undefined;
  }

  private async deliver(group: Group, member: Member, { topic, partition }: TopicPartition): Promise<void> {
    const key = tpKey(topic, partition);
    const entries = this.log(topic, partition).read(group.committed.get(key) ?? 0, this.maxBatchSize);
    const last = entries.at(-1);
    if (!last) return;
    const messages: ConsumedMessage[] = entries.map((e) => ({
      topic,
      partition,
      offset: String(e.offset),
      key: e.key,
      value: e.value,
      timestamp: e.timestamp,
    }));
    group.inflight.add(key);
    try {
      await member.options.onBatch(
        { topic, partition, messages },
        { heartbeat: async () => {}, isRunning: () => member.running },
      );
      group.committed.set(key, last.offset + 1);
      member.retries.delete(key);
      this.retention.afterCommit(this.log(topic, partition), () => this.positions(topic, partition));
    } catch (error) {
      const attempts = (member.retries.get(key)?.attempts ?? 0) + 1;
      const delay = backoffDelay(attempts, this.backoff.initial, this.backoff.max, noJitter);
      member.retries.set(key, { attempts, at: Date.now() + delay });
      this.logger.warn("onBatch failed; the batch will be delivered again", {
        groupId: member.options.groupId,
        topic,
        partition,
        firstOffset: messages[0]?.offset,
        attempts,
        retryInMs: delay,
        error,
      });
    } finally {
      group.inflight.delete(key);
      this.wake.notify();
    }
  }
}
