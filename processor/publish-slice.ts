/**
 * Publishing a slice of a batch: its rows and dead letters, acknowledged, then its metrics. A row the
 * broker can never accept (e.g. above the output topic's `max.message.bytes`) would fail its batch
 * forever: such rows are found by halving (isolateRefused) and dead-lettered with their input candle.
 */
import type { Batch, BatchContext, Bus, ConsumedMessage, OutgoingMessage } from "@shamdan/shared/core/bus";
import type { Config } from "@shamdan/shared/core/config";
import { deadLetterFor } from "@shamdan/shared/core/dead-letter";
import { describeError } from "@shamdan/shared/core/errors";
import type { Logger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import type { ProcessorMetrics } from "./metrics.ts";
import type { BatchResult } from "./partition-task.ts";
import { unpublishableBecause } from "./unpublishable.ts";

export interface SlicePublisherOptions {
  bus: Bus;
  config: Pick<Config, "OUTPUT_TOPIC" | "DEAD_LETTER_TOPIC">;
  logger: Logger;
  metrics: ProcessorMetrics;
  /** Names the dead letters' origin. */
  service: string;
}

/**
 * Publishes a slice (`rows` computed from `slice` of `batch`) and records its metrics once acknowledged.
 * Long only as a container: it binds three short steps to one bus and one set of metrics.
 */
export function slicePublisher(options: SlicePublisherOptions) {
  const { bus, config, logger, metrics, service: SERVICE } = options;

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
  const publishRows = async (
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

  return async (
    batch: Batch,
    slice: readonly ConsumedMessage[],
    rows: OutgoingMessage[],
    result: BatchResult,
    context: BatchContext,
  ): Promise<void> => recordPublished(batch, slice, result, await publishRows(batch, rows, result, context));
}
