/**
 * The processor: consumer group `PROCESSOR_GROUP` on every symbol topic. Each input partition is a
 * `PartitionTask` (per-symbol engines + next offset). Per batch: (1) publish the output rows,
 * (2) publish the partition's state to the compacted changelog, (3) let `onBatch` resolve so the
 * group commits the input offsets. On (re)assignment the state is restored from the changelog and
 * input already reflected in it is skipped, so a crash or rebalance at any point neither loses nor
 * duplicates rows (processor/README.md has the argument and the limits).
 */
import {
  type Batch,
  type BatchContext,
  type Bus,
  type ConsumedMessage,
  type Subscription,
  type TopicPartition,
  textDecoder,
} from "@shamdan/shared/bus/bus";
import { parseMessage } from "@shamdan/shared/bus/parse-message";
import { type Config, topicFor } from "@shamdan/shared/config";
import { describeError, ShamdanError } from "@shamdan/shared/errors";
import { engineSettings } from "@shamdan/shared/indicators/engine";
import type { Logger } from "@shamdan/shared/log";
import type { Registry } from "prom-client";
import { processorMetrics } from "./metrics.ts";
import {
  type BatchResult,
  DECIMAL_OFFSET,
  type PartitionState,
  PartitionStateSchema,
  PartitionTask,
  stateKey,
} from "./partition-task.ts";

export interface ProcessorOptions {
  config: Config;
  bus: Bus;
  logger: Logger;
  registry: Registry;
  /** How often consumer lag is sampled into the metric. */
  lagIntervalMs?: number;
  /** Candles computed per step of a batch (default SLICE). */
  sliceSize?: number;
}

export interface RunningProcessor {
  ready(): boolean;
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
 * For readLatestByKey on the changelog: a later state replaces the kept one unless it is behind it.
 * States of one partition only move forward (each is published after its rows, and reflects exactly
 * the input before its `nextOffset`), so the one with the highest `nextOffset` is the most advanced
 * valid state; a lower one written later can only come from a replica that lost its partitions but
 * was still finishing a batch (a zombie). Unreadable values replace (restore then reports them).
 */
export function laterStateReplaces(later: Uint8Array, kept: Uint8Array): boolean {
  const [l, k] = [nextOffsetOf(later), nextOffsetOf(kept)];
  return l === undefined || k === undefined || l >= k;
}

/**
 * A state's `nextOffset`, or undefined if unreadable. Remembered per value: a restore compares the
 * value kept so far with every later one, and states are a few KB of JSON each.
 */
const nextOffsets = new WeakMap<Uint8Array, bigint | undefined>();
function nextOffsetOf(bytes: Uint8Array): bigint | undefined {
  if (nextOffsets.has(bytes)) return nextOffsets.get(bytes);
  let offset: bigint | undefined;
  try {
    const value = JSON.parse(textDecoder.decode(bytes)) as { nextOffset?: unknown };
    if (typeof value.nextOffset === "string" && DECIMAL_OFFSET.test(value.nextOffset))
      offset = BigInt(value.nextOffset);
  } catch {
    offset = undefined;
  }
  nextOffsets.set(bytes, offset);
  return offset;
}

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

  /** Every partition's most advanced state (see laterStateReplaces). */
  const readStates = () => bus.readLatestByKey(changelog, { replaces: laterStateReplaces });

  const restore = (latest: Map<string, Uint8Array>, { topic, partition }: TopicPartition): PartitionTask => {
    const key = stateKey(topic, partition);
    const bytes = latest.get(key);
    let state: PartitionState | undefined;
    if (bytes) {
      const parsed = parseMessage(PartitionStateSchema, bytes);
      if (!parsed.ok) {
        // Resuming from nothing would publish wrong rows under the same keys: refuse instead.
        throw new ShamdanError(
          "PROCESSOR_STATE_INVALID",
          `changelog ${changelog} key ${key} is not a valid state (${parsed.reason})`,
          false,
        );
      }
      state = parsed.value;
      metrics.restores.inc();
    }
    const task = new PartitionTask(settings, topic, partition, topicOfSymbol, state);
    tasks.set(key, task);
    if (state) unchecked.add(key);
    logger.info("partition assigned", {
      topic,
      partition,
      nextOffset: String(task.expectedOffset),
      restored: !!state,
    });
    return task;
  };

  const onAssigned = async (partitions: TopicPartition[]) => {
    // Everything cached may be stale: another replica may have owned these partitions meanwhile.
    tasks.clear();
    unchecked.clear();
    if (partitions.length === 0) return;
    const latest = await readStates();
    for (const partition of partitions) restore(latest, partition);
  };

  /** Metrics of a slice whose rows and dead letters Kafka acknowledged. */
  const recordPublished = (batch: Batch, slice: readonly ConsumedMessage[], result: BatchResult) => {
    const now = Date.now();
    // One labelled inc per symbol, not per row: prom-client hashes the labels on every call.
    const perSymbol = new Map<string, number>();
    for (const row of result.rows) perSymbol.set(row.symbol, (perSymbol.get(row.symbol) ?? 0) + 1);
    for (const [symbol, count] of perSymbol) metrics.rowsOut.inc({ symbol }, count);
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

  const onBatch = async (batch: Batch, context: BatchContext) => {
    const key = stateKey(batch.topic, batch.partition);
    const started = performance.now();
    const task = tasks.get(key) ?? restore(await readStates(), batch);
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
          Promise.all([
            bus.publish(config.OUTPUT_TOPIC, rows),
            bus.publish(config.DEAD_LETTER_TOPIC, result.deadLetters),
          ]).then(() => recordPublished(batch, slice, result)),
        );
      }
      await inFlight;
      if (changed) await bus.publish(changelog, [{ key, value: JSON.stringify(task.snapshot()) }]);
    } catch (error) {
      // The task advanced in memory but its state may not be on the changelog: forget it, so the
      // re-delivered batch starts from the last published state instead of skipping.
      tasks.delete(key);
      logger.warn("batch failed, will be re-delivered", {
        topic: batch.topic,
        partition: batch.partition,
        error: describeError(error),
      });
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

  const lagTimer = setInterval(() => {
    subscription.lag().then(
      (lag) => metrics.lag.set(lag),
      (error) => logger.debug("lag sample failed", { error: describeError(error) }),
    );
  }, options.lagIntervalMs ?? 5000);
  lagTimer.unref?.();

  return {
    ready: () => !stopping,
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(lagTimer);
      await subscription.stop();
      logger.info("processor stopped");
    },
  };
}
