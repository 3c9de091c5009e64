/**
 * The sink: consumer group `SINK_GROUP` on `OUTPUT_TOPIC`, writing indicator rows to the store in
 * batches. Offsets advance only when `onBatch` resolves, i.e. after the store acknowledged the rows
 * (at-least-once); the table's (local_time, stock_symbol) dedup keys turn re-deliveries into upserts,
 * so the stored result is exactly-once. A message that is not a plausible row, or a row the store
 * refuses, is dead-lettered once and the group goes on; while the store is down nothing is committed.
 * See sink/README.md.
 */

import { retryWithBackoff } from "@shamdan/shared/core/backoff";
import type {
  Batch,
  BatchContext,
  Bus,
  ConsumedMessage,
  OutgoingMessage,
  Subscription,
} from "@shamdan/shared/core/bus";
import type { Config } from "@shamdan/shared/core/config";
import { deadLetterFor } from "@shamdan/shared/core/dead-letter";
import { describeError, ShamdanError } from "@shamdan/shared/core/errors";
import { type WatchedConsumer, watchConsumer } from "@shamdan/shared/core/lag-sampler";
import type { Logger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import type { StoreWriter } from "@shamdan/shared/core/store";
import type { Registry } from "prom-client";
import { latestPerKey } from "./latest-per-key.ts";
import { sinkMetrics } from "./metrics.ts";
import { parseRow } from "./parse-row.ts";
import { writeIsolating } from "./write-isolating.ts";

export interface SinkOptions {
  config: Config;
  bus: Bus;
  store: StoreWriter;
  logger: Logger;
  registry: Registry;
  /** Store retry backoff (defaults: 250 ms doubling up to 10 s). */
  retry?: { baseMs: number; maxMs: number };
  /** How often consumer lag is sampled into the metric. */
  lagIntervalMs?: number;
  /** Aborts start-up while it still waits for the store. */
  signal?: AbortSignal;
}

export interface RunningSink {
  /** True once subscribed and not waiting for the store to come back (readiness). */
  ready(): boolean;
  /** Stops consuming; an in-flight batch that waits for the store is abandoned (not committed). */
  stop(): Promise<void>;
}

const SERVICE = "sink";
/**
 * Each batch is one store write (one transaction, or a few when the QuestDB store shares a large
 * write among threads) plus a fetch, a commit and a round trip: with a backlog (a
 * backfill, a restart after an outage) larger batches cost the store and the sink less per row, and
 * more memory (sink/README.md). A live batch is what arrived since the last fetch, so this changes
 * nothing while the sink keeps up.
 */
const MAX_BATCH_BYTES = 2 * 1024 * 1024;

/** A parsed row and the message it came from (a refused row is dead-lettered with its original bytes). */
interface Pending {
  row: IndicatorRow;
  message: ConsumedMessage;
}
const rowOf = (p: Pending) => p.row;

/** A batch's messages parsed: the rows, and why each other message is not one. */
function parseBatch(
  batch: Batch,
  now: number,
): { pending: Pending[]; reasons: Map<ConsumedMessage, string> } {
  const pending: Pending[] = [];
  const reasons = new Map<ConsumedMessage, string>();
  for (const message of batch.messages) {
    const parsed = parseRow(message.value, now);
    if (parsed.ok) pending.push({ row: parsed.value, message });
    else reasons.set(message, parsed.reason);
  }
  return { pending, reasons };
}

/** Dead letters for the messages with a reason, in offset order whichever step found them. */
function deadLettersOf(batch: Batch, reasons: ReadonlyMap<ConsumedMessage, string>): OutgoingMessage[] {
  const letters: OutgoingMessage[] = [];
  for (const message of batch.messages) {
    const reason = reasons.get(message);
    if (reason !== undefined) letters.push(deadLetterFor(SERVICE, message, reason));
  }
  return letters;
}

/**
 * Starts consuming once the store answers. One function on purpose: the batch handler, readiness and
 * stop share the paused state and the metrics; the parsing, writing and dead-lettering steps are apart.
 */
export async function startSink(options: SinkOptions): Promise<RunningSink> {
  const { config, bus, store, registry } = options;
  const logger = options.logger.child({ service: SERVICE });
  const metrics = sinkMetrics(registry);
  const retry = options.retry ?? { baseMs: 250, maxMs: 10_000 };
  /** Set once consuming: stopping it is stopping the sink. */
  let consumer: WatchedConsumer | undefined;
  let paused = false;
  const running = () => consumer?.stopping() !== true && !options.signal?.aborted;

  const setPaused = (value: boolean, error?: unknown) => {
    if (value === paused) return;
    paused = value;
    metrics.paused.set(value ? 1 : 0);
    if (value) logger.warn("store unavailable: pausing and retrying", { error: describeError(error) });
    else logger.info("store reachable again: resuming");
  };
  const codeOf = (error: unknown) => (error instanceof ShamdanError ? error.code : "UNKNOWN");
  const onOutage = (error: unknown, attempt: number, delayMs: number) => {
    metrics.writeRetries.inc();
    setPaused(true, error);
    logger.debug("store retry scheduled", { attempt, delayMs, error: describeError(error) });
  };
  const onWriteError = (error: unknown) => metrics.writeErrors.inc({ code: codeOf(error) });

  await retryWithBackoff(() => store.init(), {
    ...retry,
    shouldContinue: running,
    onRetry: (error, attempt, delayMs) => {
      onWriteError(error);
      onOutage(error, attempt, delayMs);
    },
  });
  setPaused(false);

  await bus.ensureTopics([
    { name: config.OUTPUT_TOPIC, partitions: config.TOPIC_PARTITIONS, replication: config.TOPIC_REPLICATION },
    { name: config.DEAD_LETTER_TOPIC, partitions: 1, replication: config.TOPIC_REPLICATION },
  ]);

  /**
   * Parse, write the good rows (waiting while the store is down, isolating rows it refuses), then
   * dead-letter the bad messages, then resolve so the group commits. Letters go out only once the
   * batch's rows are stored, so an outage that ends in re-delivery has published none yet; the one
   * way to publish a letter twice is a crash (or lost partition) between the letters and the commit.
   */
  const onBatch = async (batch: Batch, context: BatchContext) => {
    metrics.rowsIn.inc(batch.messages.length);
    const { pending, reasons } = parseBatch(batch, Date.now());
    const unique = latestPerKey(pending, rowOf);
    if (unique.length > 0) {
      const started = performance.now();
      const { refused, writes } = await writeIsolating(unique, {
        store,
        rowOf,
        retry,
        shouldContinue: () => running() && context.isRunning(),
        heartbeat: () => context.heartbeat(),
        onOutage,
        onAnswer: () => setPaused(false),
        onWriteError,
      });
      metrics.writeSeconds.observe((performance.now() - started) / 1000);
      metrics.batchSize.observe(unique.length);
      metrics.rowsWritten.inc(unique.length - refused.length);
      if (writes > 1) metrics.isolationWrites.inc(writes - 1);
      if (refused.length > 0) {
        metrics.rowsRefused.inc(refused.length);
        for (const { item, reason } of refused) reasons.set(item.message, `store refused the row: ${reason}`);
        logger.error("the store refused rows: dead-lettering them", {
          topic: batch.topic,
          partition: batch.partition,
          count: refused.length,
          writes,
          reason: refused[0]?.reason,
        });
      }
    }
    if (reasons.size > 0) {
      const letters = deadLettersOf(batch, reasons);
      await bus.publish(config.DEAD_LETTER_TOPIC, letters);
      metrics.deadLetters.inc(letters.length);
      logger.warn("dead-lettered bad rows", {
        topic: batch.topic,
        partition: batch.partition,
        count: letters.length,
      });
    }
  };

  const subscription: Subscription = await bus.subscribe({
    groupId: config.SINK_GROUP,
    topics: [config.OUTPUT_TOPIC],
    fromBeginning: true,
    onBatch,
    maxBatchBytes: MAX_BATCH_BYTES,
  });
  logger.info("sink started", { group: config.SINK_GROUP, topic: config.OUTPUT_TOPIC });

  consumer = watchConsumer(subscription, {
    gauge: metrics.lag,
    logger,
    intervalMs: options.lagIntervalMs,
    stoppedMessage: "sink stopped",
  });
  return { ready: () => running() && !paused, stop: () => consumer?.stop() ?? Promise.resolve() };
}
