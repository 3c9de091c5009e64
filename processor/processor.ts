/**
 * The processor: consumer group `PROCESSOR_GROUP` on every symbol topic. Each input partition is a
 * `PartitionTask` (per-symbol engines + next offset). Per batch: (1) publish the output rows,
 * (2) publish the partition's state to the compacted changelog, (3) let `onBatch` resolve so the
 * group commits the input offsets. On (re)assignment the state is restored from the changelog and
 * input already reflected in it is skipped, so a crash or rebalance at any point neither loses nor
 * duplicates rows (processor/README.md has the argument and the limits).
 *
 * A row the broker can never accept (e.g. above the output topic's `max.message.bytes`) would fail its
 * batch forever: such rows are found (publish-slice.ts), dead-lettered with their input candle,
 * and the batch goes on. A partition whose batch keeps failing for other reasons makes the processor
 * not ready until it succeeds.
 */
import type {
  Batch,
  BatchContext,
  Bus,
  Subscription,
  TopicPartition,
  TopicSpec,
} from "@shamdan/shared/core/bus";
import { type Config, topicFor } from "@shamdan/shared/core/config";
import { engineSettings } from "@shamdan/shared/core/engine-settings";
import { watchConsumer } from "@shamdan/shared/core/lag-sampler";
import type { Logger } from "@shamdan/shared/core/log";
import { RowEncoder } from "@shamdan/shared/core/row-codec";
import type { Registry } from "prom-client";
import { BatchFailures, type FailingPartition } from "./batch-failures.ts";
import { processorMetrics } from "./metrics.ts";
import { type PartitionTask, stateKey } from "./partition-task.ts";
import { slicePublisher } from "./publish-slice.ts";
import { stateRecovery } from "./recovery.ts";

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

/** The topics the processor reads and writes; missing ones are created at start-up. */
function processorTopics(config: Config, inputTopics: readonly string[]): TopicSpec[] {
  return [
    ...inputTopics.map((name) => ({
      name,
      partitions: config.TOPIC_PARTITIONS,
      replication: config.TOPIC_REPLICATION,
    })),
    { name: config.OUTPUT_TOPIC, partitions: config.TOPIC_PARTITIONS, replication: config.TOPIC_REPLICATION },
    { name: config.DEAD_LETTER_TOPIC, partitions: 1, replication: config.TOPIC_REPLICATION },
    {
      name: changelogTopic(config),
      partitions: 1,
      replication: config.TOPIC_REPLICATION,
      compacted: true,
      minCompactionLagMs: STATE_MIN_COMPACTION_LAG_MS,
    },
  ];
}

/**
 * Starts consuming. One function on purpose: the assignment, batch and stop handlers share the
 * partitions' tasks and checks; each handler is short and the parts with rules of their own live in
 * recovery.ts, publish-slice.ts and batch-failures.ts.
 */
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
  const failures = new BatchFailures(logger, options.stuckAfter ?? { attempts: 3, ms: 30_000 });

  await bus.ensureTopics(processorTopics(config, inputTopics));

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

  const rowEncoder = new RowEncoder(config.OUTPUT_FORMAT);
  const publishSlice = slicePublisher({ bus, config, logger, metrics, service: SERVICE });

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
        const rows = result.rows.map((row) => ({ key: row.symbol, value: rowEncoder.encode(row) }));
        await inFlight;
        // A large batch takes a while: keep the group membership alive (throttled by kafkajs).
        if (from > 0) await context.heartbeat();
        // Rows and dead letters both before the state (README, recovery); KafkaBus.publish splits
        // large slices into requests the broker accepts.
        inFlight = handled(publishSlice(batch, slice, rows, result, context));
      }
      await inFlight;
      if (changed) await bus.publish(changelog, [{ key, value: JSON.stringify(task.snapshot()) }]);
      failures.succeeded(key, batch.topic, batch.partition);
    } catch (error) {
      // The task advanced in memory but its state may not be on the changelog: forget it, so the
      // re-delivered batch starts from the last published state instead of skipping.
      tasks.delete(key);
      failures.failed(key, batch.topic, batch.partition, startedAt, error);
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

  const consumer = watchConsumer(subscription, {
    gauge: metrics.lag,
    logger,
    intervalMs: options.lagIntervalMs,
    stoppedMessage: "processor stopped",
  });
  return {
    ready: () => !consumer.stopping() && !failures.list().some((f) => f.stuck),
    failing: () => failures.list(),
    stop: () => consumer.stop(),
  };
}
