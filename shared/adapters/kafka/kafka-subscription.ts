/**
 * One consumer-group member on kafkajs with the Bus port's semantics (bus.ts):
 * - `eachBatch` with `eachBatchAutoResolve: false` and `autoCommit: false`: the offset after a batch
 *   is resolved and committed explicitly, only after `onBatch` resolved;
 * - when `onBatch` throws nothing is committed, the partition is sought back to the batch's first
 *   offset (so a prefetched later batch is dropped as stale, kafkajs would otherwise carry on from
 *   its resolved position) and paused for a backoff, while the other partitions keep flowing;
 * - `onAssigned` runs on every GROUP_JOIN, and every batch waits for it, so it completes before
 *   processing resumes after a (re)assignment;
 * - restarts: kafkajs restarts a consumer that crashed with a retriable error (restartOnFailure,
 *   which includes KafkaJSNumberOfRetriesExceeded, e.g. the broker was down longer than the retry
 *   budget); a crash kafkajs does not restart (non-retriable) is restarted here with a fresh
 *   consumer after a backoff, so a Kafka restart never leaves a service silently idle;
 * - start-up: `start` waits (the bus's untilStarted: backoff, jitter, one log line per change) while
 *   the broker is unreachable or a just-created topic is not served yet; subscribing to a topic that
 *   does not exist at all fails at once (a missing ensureTopics, not something time fixes).
 */
import type { Admin, Consumer, EachBatchPayload, Kafka, RetryOptions } from "kafkajs";
import { backoffDelay, noJitter, retryWithBackoff } from "../../core/backoff.ts";
import type { ConsumedMessage, SubscribeOptions, Subscription, TopicPartition } from "../../core/bus.ts";
import { ShamdanError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import type { KafkaAvailability } from "./kafka-availability.ts";
import { isRetriableKafkaError, kafkaError } from "./kafka-error.ts";

export interface KafkaSubscriptionSettings {
  retry: RetryOptions;
  sessionTimeout: number;
  heartbeatInterval: number;
  maxWaitTimeInMs: number;
  partitionsConsumedConcurrently: number;
  backoff: { initial: number; max: number };
}

/** What the subscription borrows from its bus to wait for Kafka. */
export interface KafkaWaiting {
  availability: KafkaAvailability;
  /** Runs `start` until it succeeds (retriable failures only) or the bus closes. */
  untilStarted(what: string, start: () => Promise<void>): Promise<void>;
}

/** kafkajs's defaults: 1 MiB per partition, 10 MiB per fetch. */
const DEFAULT_PARTITION_BYTES = 1024 * 1024;
const DEFAULT_FETCH_BYTES = 10 * 1024 * 1024;

/** Fetch sizes for a `maxBatchBytes` hint: the fetch holds that much for each partition handled at once. */
function fetchSizes(maxBatchBytes: number | undefined, concurrentPartitions: number) {
  const maxBytesPerPartition = maxBatchBytes ?? DEFAULT_PARTITION_BYTES;
  return {
    maxBytesPerPartition,
    maxBytes: Math.max(DEFAULT_FETCH_BYTES, maxBytesPerPartition * concurrentPartitions),
  };
}

const toBytes = (b: Buffer | null): Uint8Array =>
  b === null ? new Uint8Array(0) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/**
 * Message keys as text, for one batch. A partition's messages mostly share a key (the symbol), and
 * decoding UTF-8 costs many times a byte comparison: a key equal to the previous one reuses its text.
 * (kafkajs's key Buffers are views of the fetched response, never written to, so holding one is safe.)
 */
export function keyDecoder(): (key: Buffer | null) => string | null {
  let lastBytes: Buffer | undefined;
  let lastText = "";
  return (key) => {
    if (key === null) return null;
    if (lastBytes === undefined || !key.equals(lastBytes)) {
      lastBytes = key;
      lastText = key.toString("utf8");
    }
    return lastText;
  };
}

export class KafkaSubscription implements Subscription {
  private consumer: Consumer | undefined;
  private assignment: TopicPartition[] = [];
  private assigned: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly logger: Logger;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: () => Promise<Admin>,
    private readonly options: SubscribeOptions,
    private readonly settings: KafkaSubscriptionSettings,
    logger: Logger,
    private readonly waiting: KafkaWaiting,
  ) {
    this.logger = logger.child({ groupId: options.groupId });
  }

  /** Resolves once the consumer runs; waits while Kafka or the topics are not ready. */
  async start(): Promise<void> {
    await this.waiting.untilStarted(`subscribing group ${this.options.groupId}`, () => this.startOnce());
  }

  private async startOnce(): Promise<void> {
    const existing = new Set(await (await this.admin()).listTopics());
    const missing = this.options.topics.filter((t) => !existing.has(t));
    if (missing.length > 0)
      throw new ShamdanError(
        "BUS_SUBSCRIBE_FAILED",
        `subscribing group ${this.options.groupId}: topics ${missing} do not exist (call ensureTopics first)`,
        false,
      );
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.settings.sessionTimeout,
      heartbeatInterval: this.settings.heartbeatInterval,
      maxWaitTimeInMs: this.settings.maxWaitTimeInMs,
      ...fetchSizes(this.options.maxBatchBytes, this.settings.partitionsConsumedConcurrently),
      allowAutoTopicCreation: false,
      retry: {
        ...this.settings.retry,
        restartOnFailure: async (error) => {
          // Logged once until the group is joined again (GROUP_JOIN), not once per restart.
          this.waiting.availability.failed(this, `consumer group ${this.options.groupId} restarting`, error);
          return !this.stopping;
        },
      },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.waiting.availability.reached(this);
      this.assignment = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      this.failures.clear();
      this.assigned = this.announce([...this.assignment]);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopping) return;
      const delay = this.settings.backoff.max;
      this.logger.error("kafka consumer crashed for good; starting a new one", {
        error: payload.error,
        delay,
      });
      this.later(delay, () => this.restart());
    });
    try {
      await consumer.connect();
      if (this.stopping) throw new ShamdanError("BUS_CLOSED", "the subscription stopped");
      await consumer.subscribe({
        topics: this.options.topics,
        fromBeginning: this.options.fromBeginning ?? true,
      });
      await consumer.run({
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
        autoCommit: false,
        eachBatch: (payload) => this.handle(payload),
      });
    } catch (error) {
      await consumer.disconnect().catch(() => {});
      throw kafkaError("BUS_SUBSCRIBE_FAILED", `subscribing group ${this.options.groupId}`, error);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.waiting.availability.abandoned(this);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    // kafkajs's disconnect waits for the running eachBatch to settle before leaving the group.
    await this.consumer?.disconnect();
  }

  async lag(): Promise<number> {
    const admin = await this.admin();
    let lag = 0n;
    for (const topic of new Set(this.assignment.map((tp) => tp.topic))) {
      const mine = new Set(this.assignment.filter((tp) => tp.topic === topic).map((tp) => tp.partition));
      const [ends, [group]] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId: this.options.groupId, topics: [topic] }),
      ]);
      for (const end of ends) {
        if (!mine.has(end.partition)) continue;
        const committed = BigInt(
          group?.partitions.find((p) => p.partition === end.partition)?.offset ?? "-1",
        );
        const [low, high] = [BigInt(end.low), BigInt(end.high)];
        // -1: the group never committed; it starts at the beginning or at the end.
        const from = committed < 0n ? (this.options.fromBeginning === false ? high : low) : committed;
        lag += high > from ? high - (from > low ? from : low) : 0n;
      }
    }
    return Number(lag);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.start();
    } catch (error) {
      if (this.stopping) return;
      this.logger.error("restarting the kafka consumer failed; trying again", { error });
      this.later(this.settings.backoff.max, () => this.restart());
    }
  }

  /** Calls onAssigned until it succeeds (or the subscription stops); batches wait for it. */
  private async announce(partitions: TopicPartition[]): Promise<void> {
    const op = {};
    if (!this.stopping) {
      try {
        // Every failure is retried: batches wait for the assignment, so giving up would stall them.
        await retryWithBackoff(async () => this.options.onAssigned?.(partitions), {
          baseMs: this.settings.backoff.initial,
          maxMs: this.settings.backoff.max,
          random: noJitter,
          shouldContinue: () => !this.stopping,
          onRetry: (error, attempt, delay) => {
            // Kafka not answering (e.g. a state restore during a broker restart) is logged once; other
            // failures are the caller's and logged each time.
            if (isRetriableKafkaError(error) || (error as { canRetry?: unknown }).canRetry === true)
              this.waiting.availability.failed(op, `onAssigned of group ${this.options.groupId}`, error);
            else this.logger.warn("onAssigned failed; retrying", { attempt, delay, error });
          },
        });
        this.waiting.availability.reached(op);
        return;
      } catch {
        // Only a stop ends the retries: nothing to report but the abandoned wait.
      }
    }
    this.waiting.availability.abandoned(op);
  }

  private async handle({ batch, resolveOffset, heartbeat, isRunning, isStale, pause }: EachBatchPayload) {
    // Keep the membership alive while a long onAssigned (state restore) runs.
    let announced = false;
    const done = this.assigned.then(() => {
      announced = true;
    });
    while (!announced) {
      await Promise.race([done, Bun.sleep(this.settings.heartbeatInterval)]);
      if (!announced) await heartbeat();
    }
    if (!isRunning() || isStale() || batch.isEmpty()) return;
    const { topic, partition } = batch;
    const keyText = keyDecoder();
    const messages: ConsumedMessage[] = batch.messages.map((m) => ({
      topic,
      partition,
      offset: m.offset,
      key: keyText(m.key),
      value: toBytes(m.value),
      timestamp: Number(m.timestamp),
    }));
    const key = `${topic}/${partition}`;
    try {
      await this.options.onBatch(
        { topic, partition, messages },
        { heartbeat, isRunning: () => isRunning() && !isStale() && !this.stopping },
      );
    } catch (error) {
      const attempts = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempts);
      const delay = backoffDelay(
        attempts,
        this.settings.backoff.initial,
        this.settings.backoff.max,
        noJitter,
      );
      this.logger.warn("onBatch failed; the batch will be delivered again", {
        topic,
        partition,
        firstOffset: batch.firstOffset(),
        attempts,
        retryInMs: delay,
        error,
      });
      this.consumer?.seek({ topic, partition, offset: batch.firstOffset() ?? messages[0]?.offset ?? "0" });
      const resume = pause();
      this.later(delay, resume);
      return;
    }
    this.failures.delete(key);
    const last = batch.lastOffset();
    resolveOffset(last);
    await this.consumer?.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]);
  }

  private later(ms: number, run: () => unknown): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }
}
