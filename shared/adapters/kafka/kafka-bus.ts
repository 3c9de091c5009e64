/**
 * The Kafka `Bus` on kafkajs 2.2.4 (semantics: bus.ts; consumer details: kafka-subscription.ts).
 *
 * Producers: a few per bus (kafka-producer-lanes.ts; a key always uses the same one), idempotent
 * with acks=all, and `Partitioners.DefaultPartitioner` (murmur2, like the Java client; cached per
 * key, kafka-partitioner.ts) so keys land where Java/Kafka tools and the in-memory bus put them;
 * record batches are zstd-compressed by default (kafka-compression.ts, `KAFKA_COMPRESSION`). An
 * idempotent kafkajs producer retries without limit (kafkajs sets retries to MAX_SAFE_INTEGER and
 * warns if capped) except when reconnecting to a broker that refuses connections, which it reports as
 * non-retriable; `publish` retries those itself (publishRetryMs), so it waits through a broker
 * restart and resolves once Kafka acknowledged; resends are de-duplicated by the broker.
 *
 * Bun notes (kafkajs is Node code; checked on Bun 1.4.5 against Kafka 4.1.1 by
 * kafka-bus.integration.test.ts and bench/bus.bench.ts):
 * - node:net works for kafkajs's plain TCP connections; TLS/SASL were not exercised here.
 * - Bun prints a "TimeoutNegativeWarning" once: kafkajs's request queue calls setTimeout with
 *   `throttledUntil (-1) - Date.now()`. Bun clamps it to 1 ms as Node does; it is harmless.
 * - kafkajs throws KafkaJSNumberOfRetriesExceeded when its retry budget is spent (admin calls, consumer
 *   internals). The consumer treats it as retriable and restarts via restartOnFailure; admin errors
 *   become ShamdanError with canRetry = true (kafka-error.ts). Seen in kafka-bus.restart.integration.test.ts
 *   (broker SIGKILLed and restarted): the consumer crashes with KafkaJSNumberOfRetriesExceeded or
 *   KafkaJSNonRetriableError(ECONNREFUSED), kafkajs restarts it (its original cause is retriable), and
 *   it resumes from the committed offsets; in-flight publishes fail fast and are retried by publish.
 *
 * Start-up waits: services start together with the broker (compose, Kubernetes) and create the same
 * topics concurrently, so `ensureTopics` and `subscribe` retry retriable failures (broker not
 * reachable yet, no leader yet, "does not host this topic-partition" right after a topic was
 * created, a TOPIC_ALREADY_EXISTS next to other per-topic errors) with backoff and jitter until they
 * succeed or the bus closes; a closed bus ends the wait with BUS_CLOSED. Errors kafkajs marks
 * non-retriable (the broker rejects the request: replication factor, authorization) fail at once.
 * kafka-availability.ts logs the waiting once per change of state.
 */
import { type Admin, Kafka, type Message, type Producer, type RetryOptions } from "kafkajs";
import { retryWithBackoff } from "../../core/backoff.ts";
import type {
  Bus,
  OutgoingMessage,
  ReadLatestOptions,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from "../../core/bus.ts";
import type { Config } from "../../core/config.ts";
import { type CauseErrorCode, isRetryable, ShamdanError } from "../../core/errors.ts";
import { type Logger, silentLogger } from "../../core/log.ts";
import { KafkaAvailability } from "./kafka-availability.ts";
import { type KafkaCompression, kafkaCompressionType } from "./kafka-compression.ts";
import { kafkaError, withoutExistingTopics } from "./kafka-error.ts";
import { kafkaLogCreator, kafkaLogLevels } from "./kafka-log-creator.ts";
import { CachedKeyPartitioner } from "./kafka-partitioner.ts";
import { ProducerLanes } from "./kafka-producer-lanes.ts";
import { kafkaReadLatestByKey } from "./kafka-read-latest.ts";
import { kafkaRequestChunks } from "./kafka-request-chunks.ts";
import { KafkaSubscription } from "./kafka-subscription.ts";

export interface KafkaBusOptions {
  logger?: Logger;
  /** Level of kafkajs's internal logs. Default "warn": its INFO lines describe every join and commit. */
  kafkaLogLevel?: keyof typeof kafkaLogLevels;
  /** kafkajs retry policy for connections, admin calls and the consumer. */
  retry?: RetryOptions;
  /** Consumer session timeout: how long a silent member keeps its partitions. Default 10 s. */
  sessionTimeout?: number;
  /** Default 1 s, so members notice a rebalance quickly. */
  heartbeatInterval?: number;
  /** Longest a fetch waits on the broker for data (kafkajs default 5 s slows stop()). Default 1 s. */
  maxWaitTimeInMs?: number;
  /**
   * Partitions whose batches are handled at the same time (kafkajs `partitionsConsumedConcurrently`).
   * Default 4: while one partition's batch waits for its acknowledged publish or store write, another
   * one computes; batches of one partition stay sequential.
   */
  partitionsConsumedConcurrently?: number;
  /** Redelivery backoff after a failed onBatch. Default 100 ms .. 10 s. */
  retryBackoffMs?: { initial: number; max: number };
  /** How long `publish` keeps retrying a retriable failure (broker down) before it throws. Default 120 s. */
  publishRetryMs?: number;
  /**
   * Idempotent producers a publish may go through, a key always through the same one (order per
   * key). Default 3: measured on the pipeline bench, one producer left the CPU idle while each
   * request waited for its acknowledgement; 2 to 4 measured alike.
   */
  producers?: number;
  /** Compression of produced record batches (kafka-compression.ts). Default zstd. */
  compression?: KafkaCompression;
  /** Upper bound of a readLatestByKey call. Default 120 s. */
  readTimeoutMs?: number;
  /**
   * Backoff between attempts of a start-up wait (ensureTopics, subscribe): exponential with equal
   * jitter, so services that failed together do not retry together. Default 250 ms .. 5 s.
   */
  waitBackoffMs?: { initial: number; max: number };
  /** An attempt that has not answered after this long counts as waiting (logged once). Default 5 s. */
  slowAttemptMs?: number;
}

export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  /** One idempotent producer per lane, connected on first use (kafka-producer-lanes.ts). */
  private producerReady: Promise<Producer>[] = [];
  private readonly lanes: ProducerLanes;
  private adminReady: Promise<Admin> | undefined;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly retry: RetryOptions;
  /** Topics seen to exist (publish checks once per topic, see assertTopicExists). */
  private readonly knownTopics = new Set<string>();
  private readonly availability: KafkaAvailability;
  /** Set by close(): every wait ends with BUS_CLOSED, now and later. */
  private closed = false;
  private readonly closing = Promise.withResolvers<never>();
  /** Connected admin and producers, disconnected by close(). */
  private readonly clients = new Set<{ disconnect(): Promise<void> }>();

  constructor(
    private readonly config: Pick<Config, "KAFKA_BROKERS" | "KAFKA_CLIENT_ID">,
    private readonly options: KafkaBusOptions = {},
  ) {
    this.logger = (options.logger ?? silentLogger).child({ component: "kafka-bus" });
    this.availability = new KafkaAvailability(this.logger);
    // Awaited by nobody until a wait races it.
    this.closing.promise.catch(() => {});
    this.retry = options.retry ?? { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10 };
    this.lanes = new ProducerLanes(options.producers ?? 3);
    this.kafka = new Kafka({
      clientId: config.KAFKA_CLIENT_ID,
      brokers: [...config.KAFKA_BROKERS],
      logLevel: kafkaLogLevels[options.kafkaLogLevel ?? "warn"],
      logCreator: kafkaLogCreator(this.logger.child({ component: "kafkajs" }), () => this.availability.quiet),
      retry: this.retry,
    });
  }

  /**
   * Creates the missing topics and returns once every topic has a leader for each partition, waiting
   * (see untilDone) while the broker is unreachable or another service is creating the same topics.
   */
  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    const names = topics.map((t) => t.name);
    await this.untilDone("BUS_ENSURE_TOPICS_FAILED", `creating topics ${names}`, () =>
      this.ensureTopicsOnce(topics),
    );
  }

  private async ensureTopicsOnce(topics: TopicSpec[]): Promise<void> {
    const admin = await this.admin();
    // Creating only the missing ones keeps kafkajs from logging TOPIC_ALREADY_EXISTS as an error.
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions ?? 1,
            replicationFactor: t.replication ?? 1,
            configEntries: t.compacted
              ? [
                  { name: "cleanup.policy", value: "compact" },
                  ...(t.minCompactionLagMs === undefined
                    ? []
                    : [{ name: "min.compaction.lag.ms", value: String(t.minCompactionLagMs) }]),
                ]
              : [],
          })),
        });
      } catch (error) {
        // Another service may have created some of them in between: that part is success; the
        // rest decides (retriable ones are retried, and the next attempt creates only what is missing).
        const rest = withoutExistingTopics(error);
        if (rest !== undefined) throw rest;
      }
    }
    await this.assertLeaders(
      admin,
      topics.map((t) => t.name),
    );
    for (const t of topics) this.knownTopics.add(t.name);
  }

  /**
   * Topics created by someone else (or just now) may not have leaders yet: a consumer subscribing
   * then fails with UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE, so ensureTopics waits for them.
   */
  private async assertLeaders(admin: Admin, names: string[]): Promise<void> {
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    const ready = new Set(
      topics
        .filter((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
        .map((t) => t.name),
    );
    const waiting = names.filter((name) => !ready.has(name));
    if (waiting.length > 0)
      throw new ShamdanError("BUS_TOPIC_NOT_READY", `topics ${waiting} have no leader yet`);
  }

  /**
   * Sends in order, in produce requests of bounded size (kafka-request-chunks.ts), one after another:
   * a 5,000-row batch is bigger than the 1 MiB a broker accepts in one record batch. Resolves once
   * every chunk is acknowledged. If a later chunk fails for good, earlier ones stay published and the
   * caller's retry publishes them again (the bus is at-least-once; consumers upsert by key).
   */
  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.assertTopicExists(topic);
    // kafkajs wants Buffers; a Buffer (e.g. the processor's row slabs) is passed as it is, a plain
    // Uint8Array is wrapped without copying.
    const records = messages.map(({ key, value }) => ({
      key,
      value:
        value === null || typeof value === "string" || Buffer.isBuffer(value)
          ? value
          : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
    }));
    const lane = this.lanes.laneFor(messages[0]?.key ?? "");
    for (const chunk of kafkaRequestChunks(records)) await this.send(topic, chunk, lane);
  }

  private async send(topic: string, messages: Message[], lane: number): Promise<void> {
    const record = {
      topic,
      acks: -1,
      messages,
      compression: kafkaCompressionType(this.options.compression ?? "zstd"),
    };
    const deadline = Date.now() + (this.options.publishRetryMs ?? 120_000);
    const op = {};
    // kafkajs gives up at once when the broker refuses connections while it reconnects (it wraps
    // ECONNREFUSED in KafkaJSNonRetriableError despite the idempotent producer's endless retries),
    // so a broker restart would fail every publish in flight: retry here until the deadline.
    // A resend is de-duplicated by the broker (idempotent producer, same sequence numbers).
    try {
      await retryWithBackoff(
        async () => {
          try {
            const producer = await this.producer(lane);
            await producer.send(record);
          } catch (error) {
            throw kafkaError(
              "BUS_PUBLISH_FAILED",
              `publishing ${messages.length} messages to ${topic}`,
              error,
            );
          }
        },
        {
          baseMs: 200,
          maxMs: 5000,
          shouldContinue: () => !this.closed && Date.now() < deadline,
          retryIf: isRetryable,
          onRetry: (failure) => this.availability.failed(op, `publishing to ${topic}`, failure),
        },
      );
    } catch (failure) {
      this.availability.abandoned(op);
      throw failure;
    }
    this.availability.reached(op);
  }

  /** Resolves once the consumer runs, waiting (see untilDone) while Kafka or the topics are not ready. */
  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const subscription = new KafkaSubscription(
      this.kafka,
      () => this.admin(),
      options,
      {
        retry: this.retry,
        sessionTimeout: this.options.sessionTimeout ?? 10_000,
        heartbeatInterval: this.options.heartbeatInterval ?? 1000,
        maxWaitTimeInMs: this.options.maxWaitTimeInMs ?? 1000,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 4,
        backoff: this.options.retryBackoffMs ?? { initial: 100, max: 10_000 },
      },
      this.logger,
      {
        availability: this.availability,
        untilStarted: (what, start) => this.untilDone("BUS_SUBSCRIBE_FAILED", what, start),
      },
    );
    // Known to close() while it waits, so closing the bus ends the wait.
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      this.subscriptions.delete(subscription);
      await subscription.stop().catch(() => {});
      throw error;
    }
    return {
      stop: async () => {
        this.subscriptions.delete(subscription);
        await subscription.stop();
      },
      lag: () => subscription.lag(),
    };
  }

  /**
   * Runs `attempt` until it succeeds, retrying retriable failures with backoff and jitter (and
   * logging the wait once, kafka-availability.ts); a non-retriable failure is thrown at once, and
   * close() ends the wait with BUS_CLOSED without waiting for the attempt in flight.
   */
  private async untilDone<T>(code: CauseErrorCode, what: string, attempt: () => Promise<T>): Promise<T> {
    const op = {};
    const slowMs = this.options.slowAttemptMs ?? 5000;
    const backoff = this.options.waitBackoffMs ?? { initial: 250, max: 5000 };
    try {
      return await retryWithBackoff(
        async () => {
          if (this.closed) throw this.closedError(what);
          const slow = setTimeout(
            () => this.availability.failed(op, what, `no answer after ${slowMs} ms`),
            slowMs,
          );
          try {
            const result = await Promise.race([attempt(), this.closing.promise]);
            this.availability.reached(op);
            return result;
          } catch (error) {
            const failure = kafkaError(code, what, error);
            if (failure.canRetry && !this.closed) this.availability.failed(op, what, failure);
            throw failure;
          } finally {
            clearTimeout(slow);
          }
        },
        {
          baseMs: backoff.initial,
          maxMs: backoff.max,
          shouldContinue: () => !this.closed,
          retryIf: isRetryable,
        },
      );
    } catch (error) {
      this.availability.abandoned(op);
      throw this.closed ? this.closedError(what) : error;
    }
  }

  private closedError(what: string): ShamdanError {
    return new ShamdanError("BUS_CLOSED", `${what}: the bus was closed`);
  }

  async readLatestByKey(topic: string, read: ReadLatestOptions = {}): Promise<Map<string, Uint8Array>> {
    return kafkaReadLatestByKey(this.kafka, await this.admin(), topic, {
      clientId: this.config.KAFKA_CLIENT_ID,
      timeoutMs: this.options.readTimeoutMs ?? 120_000,
      logger: this.logger,
      read,
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing.reject(this.closedError("waiting for Kafka"));
    const subscriptions = [...this.subscriptions];
    this.subscriptions.clear();
    await Promise.all(subscriptions.map((s) => s.stop()));
    this.producerReady = [];
    this.adminReady = undefined;
    // Only connected clients: a connect still in kafkajs's own retries (broker down) is not waited
    // for; connect() disconnects that client if it ever gets through.
    const clients = [...this.clients];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.disconnect().catch(() => {})));
  }

  /**
   * With topic auto-creation off, an idempotent kafkajs producer retries a send to a missing topic
   * forever (UNKNOWN_TOPIC_OR_PARTITION is retriable); fail fast instead, as the memory bus does.
   */
  private async assertTopicExists(topic: string): Promise<void> {
    if (this.knownTopics.has(topic)) return;
    const admin = await this.admin();
    let topics: string[];
    try {
      topics = await admin.listTopics();
    } catch (error) {
      throw kafkaError("BUS_PUBLISH_FAILED", `listing topics before publishing to ${topic}`, error);
    }
    for (const t of topics) this.knownTopics.add(t);
    if (!this.knownTopics.has(topic))
      throw new ShamdanError(
        "BUS_UNKNOWN_TOPIC",
        `topic "${topic}" does not exist (call ensureTopics first)`,
      );
  }

  /** The admin client, connected on first use; a failed connect is retried by the next call. */
  admin(): Promise<Admin> {
    this.adminReady ??= this.connect(
      "admin",
      () => this.kafka.admin(),
      () => {
        this.adminReady = undefined;
      },
    );
    return this.adminReady;
  }

  private producer(lane: number): Promise<Producer> {
    this.producerReady[lane] ??= this.connect(
      "producer",
      () =>
        this.kafka.producer({
          idempotent: true,
          createPartitioner: CachedKeyPartitioner,
          // kafkajs's own setting for idempotence (it warns when capped); publish adds the deadline.
          retry: { ...this.retry, retries: Number.MAX_SAFE_INTEGER },
        }),
      () => {
        delete this.producerReady[lane];
      },
    );
    return this.producerReady[lane];
  }

  private async connect<T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(
    what: string,
    make: () => T,
    forget: () => void,
  ): Promise<T> {
    const client = make();
    try {
      await client.connect();
    } catch (error) {
      forget();
      throw kafkaError("BUS_CONNECT_FAILED", `connecting the kafka ${what}`, error);
    }
    if (this.closed) {
      // Got through after close(): nobody will use or disconnect it.
      await client.disconnect().catch(() => {});
      throw this.closedError(`connecting the kafka ${what}`);
    }
    this.clients.add(client);
    return client;
  }
}
