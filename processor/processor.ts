/**
 * The processor: consumer group `PROCESSOR_GROUP` on every symbol topic. Each input partition is a
 * `PartitionTask` (per-symbol engines + next offset). Per batch: (1) publish the output rows,
 * (2) publish the partition's state to the compacted changelog, (3) let `onBatch` resolve so the
 * group commits the input offsets. On (re)assignment the state is restored from the changelog and
 * input already reflected in it is skipped, so a crash or rebalance at any point neither loses nor
 * duplicates rows (processor/README.md has the argument and the limits).
 *
 * A row the broker can never accept (e.g. above the output topic's `max.message.bytes`) would fail its
 * batch forever: such rows are found (publishSlice, isolateRefused), dead-lettered with their input candle,
 * and the batch goes on. A partition whose batch keeps failing for other reasons makes the processor
 * not ready until it succeeds.
 */
import type {
  Batch,
  BatchContext,
  Bus,
  ConsumedMessage,
  OutgoingMessage,
  Subscription,
  TopicPartition,
} from "@shamdan/shared/core/bus";
import { type Config, topicFor } from "@shamdan/shared/core/config";
import { deadLetterFor } from "@shamdan/shared/core/dead-letter";
import { engineSettings } from "@shamdan/shared/core/engine-settings";
import { describeError } from "@shamdan/shared/core/errors";
import { sampleLag } from "@shamdan/shared/core/lag-sampler";
import type { Logger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import type { Registry } from "prom-client";
import { processorMetrics } from "./metrics.ts";
import { type BatchResult, type PartitionTask, stateKey } from "./partition-task.ts";
import { stateRecovery } from "./recovery.ts";
import { unpublishableBecause } from "./unpublishable.ts";

export interface ProcessorOptions {
  config: Config;
  bus: Bus;
  logger: Logger;
  registry: Registry;
  /** How often consumer lag is sampled into the metric. */
  lagIntervalMs?: number;
  /** Candles computed per step of a batch (default SLICE). */
  sliceSize?: number;
  /**
   * When a partition whose batch keeps failing makes the processor not ready: after this many failed
   * attempts in a row, or once the failures have lasted this long. Default 3 attempts, 30 s.
   */
  stuckAfter?: { attempts: number; ms: number };
}

/** A partition whose batch failed and is being re-delivered. */
export interface FailingPartition {
  topic: string;
  partition: number;
  attempts: number;
  /** Since the first failed attempt started. */
  failingForMs: number;
  lastError: string;
  stuck: boolean;
}

export interface RunningProcessor {
  /** False while stopping, or while some partition is stuck re-delivering a failing batch. */
  ready(): boolean;
  /** Partitions whose last batch failed (for `/readyz` detail and logs). */
  failing(): FailingPartition[];
  /** Stops consuming after the in-flight batch (its rows and state are published, offsets committed). */
  stop(): Promise<void>;
}

/** The compacted topic holding every partition's latest state. One per group: groups never share state. */
export const changelogTopic = (config: Pick<Config, "PROCESSOR_GROUP">) => `${config.PROCESSOR_GROUP}_state`;

const SERVICE = "processor";
/**
 * Default candles computed per step of a batch (see onBatch). Compressed input makes fetched batches large
 * (~30,000 candles per partition on the bench); computing all of them before publishing any left the
 * broker idle meanwhile.
 */
const SLICE = 2000;

/**
 * How long a state stays on the changelog before compaction may drop it for a later one. Restores
 * choose the most advanced state among those still there (laterStateReplaces), so a stale state
 * written late by a zombie replica cannot hide a newer one for at least this long.
 */
const STATE_MIN_COMPACTION_LAG_MS = 24 * 60 * 60 * 1000;

/**
 * The same promise, marked as handled: a slice's publish may fail while the next slice is being
 * computed, before anyone awaits it; the failure still reaches the later `await`.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

export async function startProcessor(options: ProcessorOptions): Promise<RunningProcessor> {
  const { config, bus, registry } = options;
  const logger = options.logger.child({ service: SERVICE });
  const metrics = processorMetrics(registry);
  const sliceSize = options.sliceSize ?? SLICE;
  const settings = engineSettings(config);
  const changelog = changelogTopic(config);
  const inputTopics = config.SYMBOLS.map((symbol) => topicFor(config, symbol));
  const topicOfSymbol = (symbol: string) => topicFor(config, symbol);
  const tasks = new Map<string, PartitionTask>();
  /** Partitions whose first batch after a restore must be checked for a gap (see README, limits). */
  const unchecked = new Set<string>();
  let stopping = false;
  const stuckAfter = options.stuckAfter ?? { attempts: 3, ms: 30_000 };
  /** Per partition key: consecutive failed attempts of its batch (cleared on success or reassignment). */
  const failures = new Map<
    string,
    { topic: string; partition: number; attempts: number; since: number; lastError: string; logged: boolean }
  >();
  const isStuck = (f: { attempts: number; since: number }, now: number) =>
    f.attempts >= stuckAfter.attempts || now - f.since >= stuckAfter.ms;

  await bus.ensureTopics([
    ...inputTopics.map((name) => ({
      name,
      partitions: config.TOPIC_PARTITIONS,
      replication: config.TOPIC_REPLICATION,
    })),
    { name: config.OUTPUT_TOPIC, partitions: config.TOPIC_PARTITIONS, replication: config.TOPIC_REPLICATION },
    { name: config.DEAD_LETTER_TOPIC, partitions: 1, replication: config.TOPIC_REPLICATION },
    {
      name: changelog,
      partitions: 1,
      replication: config.TOPIC_REPLICATION,
      compacted: true,
      minCompactionLagMs: STATE_MIN_COMPACTION_LAG_MS,
    },
  ]);

  const recovery = stateRecovery({ bus, changelog, metrics, logger, settings, topicOfSymbol });
  /** A partition's task from its latest state (or from nothing), remembered until the next assignment. */
  const restore = (latest: Map<string, Uint8Array>, partition: TopicPartition): PartitionTask => {
    const { task, restored } = recovery.restore(latest, partition);
    const key = stateKey(partition.topic, partition.partition);
    tasks.set(key, task);
    if (restored) unchecked.add(key);
    return task;
  };

  const onAssigned = async (partitions: TopicPartition[]) => {
    // Everything cached may be stale: another replica may have owned these partitions meanwhile.
    tasks.clear();
    unchecked.clear();
    failures.clear();
    if (partitions.length === 0) return;
    const latest = await recovery.readStates(partitions);
    for (const partition of partitions) restore(latest, partition);
  };

  /** Metrics of a slice whose rows and dead letters Kafka acknowledged (`refused`: rows dead-lettered). */
  const recordPublished = (
    batch: Batch,
    slice: readonly ConsumedMessage[],
    result: BatchResult,
    refused: ReadonlySet<number>,
  ) => {
    const now = Date.now();
    // One labelled inc per symbol, not per row: prom-client hashes the labels on every call.
    const perSymbol = new Map<string, number>();
    for (let i = 0; i < result.rows.length; i++) {
      if (refused.size > 0 && refused.has(i)) continue;
      const symbol = (result.rows[i] as IndicatorRow).symbol;
      perSymbol.set(symbol, (perSymbol.get(symbol) ?? 0) + 1);
    }
    for (const [symbol, count] of perSymbol) metrics.rowsOut.inc({ symbol }, count);
    if (refused.size > 0) {
      metrics.rejected.inc({ reason: "unpublishable" }, refused.size);
      metrics.deadLetters.inc(refused.size);
    }
    for (const message of slice) metrics.latencySeconds.observe(Math.max(0, now - message.timestamp) / 1000);
    for (const { reason, count } of result.rejected) metrics.rejected.inc({ reason }, count);
    metrics.deadLetters.inc(result.deadLetters.length);
    metrics.skippedReplayed.inc(result.skipped);
    if (result.deadLetters.length > 0)
      logger.warn("dead-lettered input", {
        topic: batch.topic,
        partition: batch.partition,
        count: result.deadLetters.length,
      });
  };

  /**
   * Rows `[from, to)`, which the broker refused together for a reason about the messages (`error`):
   * published in halves, in order, down to the single rows it refuses; their indexes go to `refused`
   * with the reason. O(k log n) publishes for k bad rows among n; a retriable failure ends the search
   * and fails the batch like any other (it is re-delivered).
   */
  const isolateRefused = async (
    rows: OutgoingMessage[],
    from: number,
    to: number,
    error: unknown,
    refused: Map<number, string>,
    context: BatchContext,
  ): Promise<void> => {
    if (to - from === 1) {
      refused.set(from, `unpublishable: ${unpublishableBecause(error)}: ${describeError(error)}`);
      return;
    }
    const mid = from + Math.ceil((to - from) / 2);
    for (const [a, b] of [
      [from, mid],
      [mid, to],
    ] as const) {
      try {
        await bus.publish(config.OUTPUT_TOPIC, rows.slice(a, b));
      } catch (failure) {
        if (unpublishableBecause(failure) === undefined) throw failure;
        await isolateRefused(rows, a, b, failure, refused, context);
      }
      await context.heartbeat();
    }
  };

  /**
   * A slice's rows and dead letters, acknowledged. Rows the broker refuses for good are dead-lettered
   * with their input candle's bytes instead of failing the batch forever; returns their indexes.
   */
  const publishSlice = async (
    batch: Batch,
    rows: OutgoingMessage[],
    result: BatchResult,
    context: BatchContext,
  ): Promise<Set<number>> => {
    const [rowsSent, lettersSent] = await Promise.allSettled([
      bus.publish(config.OUTPUT_TOPIC, rows),
      bus.publish(config.DEAD_LETTER_TOPIC, result.deadLetters),
    ]);
    if (lettersSent.status === "rejected") throw lettersSent.reason;
    if (rowsSent.status === "fulfilled") return new Set();
    if (unpublishableBecause(rowsSent.reason) === undefined) throw rowsSent.reason;
    const refused = new Map<number, string>();
    await isolateRefused(rows, 0, rows.length, rowsSent.reason, refused, context);
    const letters = [...refused].map(([i, reason]) =>
      deadLetterFor(SERVICE, result.sources[i] as ConsumedMessage, reason),
    );
    await bus.publish(config.DEAD_LETTER_TOPIC, letters);
    if (refused.size > 0)
      logger.warn("rows refused by the broker for good: dead-lettered with their input candles", {
        topic: batch.topic,
        partition: batch.partition,
        count: refused.size,
        outputTopic: config.OUTPUT_TOPIC,
        error: describeError(rowsSent.reason),
      });
    return new Set(refused.keys());
  };

  const onBatch = async (batch: Batch, context: BatchContext) => {
    const key = stateKey(batch.topic, batch.partition);
    const started = performance.now();
    const startedAt = Date.now();
    const task = tasks.get(key) ?? restore(await recovery.readStates([batch]), batch);
    const first = batch.messages[0];
    if (first && unchecked.delete(key) && BigInt(first.offset) > task.expectedOffset) {
      metrics.stateGaps.inc();
      logger.error("input offsets are past the restored state: rows in between are not reflected", {
        topic: batch.topic,
        partition: batch.partition,
        stateNextOffset: String(task.expectedOffset),
        firstDelivered: first.offset,
      });
    }
    metrics.candlesIn.inc({ symbol_topic: batch.topic }, batch.messages.length);
    metrics.batchSize.observe(batch.messages.length);
    try {
      // In slices: the next slice is computed while the previous one's rows wait for the broker's
      // acknowledgement. A slice is published only after the previous one was acknowledged, so a
      // symbol's rows keep their order (a replaced candle's later row must land last).
      let inFlight: Promise<unknown> = Promise.resolve();
      let changed = false;
      for (let from = 0; from < batch.messages.length; from += sliceSize) {
        const slice =
          batch.messages.length <= sliceSize ? batch.messages : batch.messages.slice(from, from + sliceSize);
        const result = task.process(slice, SERVICE);
        changed ||= result.changed;
        const rows = result.rows.map((row) => ({ key: row.symbol, value: JSON.stringify(row) }));
        await inFlight;
        // A large batch takes a while: keep the group membership alive (throttled by kafkajs).
        if (from > 0) await context.heartbeat();
        // Rows and dead letters both before the state (README, recovery); KafkaBus.publish splits
        // large slices into requests the broker accepts.
        inFlight = handled(
          publishSlice(batch, rows, result, context).then((refused) =>
            recordPublished(batch, slice, result, refused),
          ),
        );
      }
      await inFlight;
      if (changed) await bus.publish(changelog, [{ key, value: JSON.stringify(task.snapshot()) }]);
      const failed = failures.get(key);
      if (failed) {
        failures.delete(key);
        if (failed.logged)
          logger.info("partition recovered: its batch succeeded", {
            topic: batch.topic,
            partition: batch.partition,
            failedAttempts: failed.attempts,
          });
      }
    } catch (error) {
      // The task advanced in memory but its state may not be on the changelog: forget it, so the
      // re-delivered batch starts from the last published state instead of skipping.
      tasks.delete(key);
      const failed = failures.get(key) ?? {
        topic: batch.topic,
        partition: batch.partition,
        attempts: 0,
        since: startedAt,
        lastError: "",
        logged: false,
      };
      const message = describeError(error);
      const news = failed.attempts === 0 || message !== failed.lastError;
      failed.attempts++;
      failed.lastError = message;
      failures.set(key, failed);
      // A batch re-delivered every few seconds with the same error would repeat the same warning.
      const fields = {
        topic: batch.topic,
        partition: batch.partition,
        attempts: failed.attempts,
        error: message,
      };
      if (news) logger.warn("batch failed, will be re-delivered", fields);
      else logger.debug("batch failed again, will be re-delivered", fields);
      if (!failed.logged && isStuck(failed, Date.now())) {
        failed.logged = true;
        logger.error(
          "partition stuck: its batch keeps failing; the processor is not ready until it succeeds",
          {
            topic: batch.topic,
            partition: batch.partition,
            attempts: failed.attempts,
            error: failed.lastError,
          },
        );
      }
      throw error;
    } finally {
      metrics.batchSeconds.observe((performance.now() - started) / 1000);
    }
  };

  const subscription: Subscription = await bus.subscribe({
    groupId: config.PROCESSOR_GROUP,
    topics: inputTopics,
    fromBeginning: true,
    onBatch,
    onAssigned,
  });
  logger.info("processor started", { group: config.PROCESSOR_GROUP, topics: inputTopics, changelog });

  const stopLagSamples = sampleLag(
    subscription,
    (lag) => metrics.lag.set(lag),
    logger,
    options.lagIntervalMs,
  );

  const failing = (): FailingPartition[] => {
    const now = Date.now();
    return [...failures.values()].map((f) => ({
      topic: f.topic,
      partition: f.partition,
      attempts: f.attempts,
      failingForMs: now - f.since,
      lastError: f.lastError,
      stuck: isStuck(f, now),
    }));
  };

  return {
    ready: () => !stopping && !failing().some((f) => f.stuck),
    failing,
    async stop() {
      if (stopping) return;
      stopping = true;
      stopLagSamples();
      await subscription.stop();
      logger.info("processor stopped");
    },
  };
}
