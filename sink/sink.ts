/**
 * The sink: consumer group `SINK_GROUP` on `OUTPUT_TOPIC`, writing indicator rows to the store in
 * batches. Offsets advance only when `onBatch` resolves, i.e. after the store acknowledged the rows
 * (at-least-once); the table's (local_time, stock_symbol) dedup keys turn re-deliveries into upserts,
 * so the stored result is exactly-once. See sink/README.md.
 */

import { retryWithBackoff } from "@shamdan/shared/backoff";
import type { Batch, BatchContext, Bus, OutgoingMessage, Subscription } from "@shamdan/shared/bus/bus";
import { deadLetterFor } from "@shamdan/shared/bus/dead-letter";
import type { Config } from "@shamdan/shared/config";
import { describeError, ShamdanError } from "@shamdan/shared/errors";
import type { Logger } from "@shamdan/shared/log";
import type { IndicatorRow } from "@shamdan/shared/messages";
import type { StoreWriter } from "@shamdan/shared/store/store";
import type { Registry } from "prom-client";
import { latestPerKey } from "./latest-per-key.ts";
import { sinkMetrics } from "./metrics.ts";
import { parseRow } from "./parse-row.ts";

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
  /** True once subscribed and not waiting for the store (readiness). */
  ready(): boolean;
  /** Stops consuming; an in-flight batch that waits for the store is abandoned (not committed). */
  stop(): Promise<void>;
}

const SERVICE = "sink";

export async function startSink(options: SinkOptions): Promise<RunningSink> {
  const { config, bus, store, registry } = options;
  const logger = options.logger.child({ service: SERVICE });
  const metrics = sinkMetrics(registry);
  const retry = options.retry ?? { baseMs: 250, maxMs: 10_000 };
  let stopping = false;
  let paused = false;
  const running = () => !stopping && !options.signal?.aborted;

  const setPaused = (value: boolean, error?: unknown) => {
    if (value === paused) return;
    paused = value;
    metrics.paused.set(value ? 1 : 0);
    if (value) logger.warn("store unavailable: pausing and retrying", { error: describeError(error) });
    else logger.info("store reachable again: resuming");
  };
  const onRetry = (error: unknown, attempt: number, delayMs: number) => {
    metrics.writeErrors.inc({ code: error instanceof ShamdanError ? error.code : "UNKNOWN" });
    metrics.writeRetries.inc();
    setPaused(true, error);
    logger.debug("store retry scheduled", { attempt, delayMs, error: describeError(error) });
  };

  await retryWithBackoff(() => store.init(), { ...retry, shouldContinue: running, onRetry });
  setPaused(false);

  await bus.ensureTopics([
    { name: config.OUTPUT_TOPIC, partitions: config.TOPIC_PARTITIONS, replication: config.TOPIC_REPLICATION },
    { name: config.DEAD_LETTER_TOPIC, partitions: 1, replication: config.TOPIC_REPLICATION },
  ]);

  const onBatch = async (batch: Batch, context: BatchContext) => {
    metrics.rowsIn.inc(batch.messages.length);
    const rows: IndicatorRow[] = [];
    const letters: OutgoingMessage[] = [];
    for (const message of batch.messages) {
      const parsed = parseRow(message.value);
      if (parsed.ok) rows.push(parsed.value);
      else letters.push(deadLetterFor(SERVICE, message, parsed.reason));
    }
    if (letters.length > 0) {
      await bus.publish(config.DEAD_LETTER_TOPIC, letters);
      metrics.deadLetters.inc(letters.length);
      logger.warn("dead-lettered invalid rows", {
        topic: batch.topic,
        partition: batch.partition,
        count: letters.length,
      });
    }
    const unique = latestPerKey(rows);
    if (unique.length === 0) return;
    const started = performance.now();
    await retryWithBackoff(() => store.write(unique), {
      ...retry,
      shouldContinue: () => running() && context.isRunning(),
      tick: () => context.heartbeat(),
      onRetry,
    });
    setPaused(false);
    metrics.writeSeconds.observe((performance.now() - started) / 1000);
    metrics.batchSize.observe(unique.length);
    metrics.rowsWritten.inc(unique.length);
  };

  const subscription: Subscription = await bus.subscribe({
    groupId: config.SINK_GROUP,
    topics: [config.OUTPUT_TOPIC],
    fromBeginning: true,
    onBatch,
  });
  logger.info("sink started", { group: config.SINK_GROUP, topic: config.OUTPUT_TOPIC });

  const lagTimer = setInterval(() => {
    subscription.lag().then(
      (lag) => metrics.lag.set(lag),
      (error) => logger.debug("lag sample failed", { error: describeError(error) }),
    );
  }, options.lagIntervalMs ?? 5000);
  lagTimer.unref?.();

  return {
    ready: () => running() && !paused,
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(lagTimer);
      await subscription.stop();
      logger.info("sink stopped");
    },
  };
}
