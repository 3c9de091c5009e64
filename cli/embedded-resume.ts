/**
 * Embedded mode after a restart: the in-memory bus starts empty, so the processor has no state and the
 * changelog it would restore from is gone. Left alone, it would compute ingest's backfill from scratch
 * (indicators warming up again) and the sink would overwrite stored rows with those values. Instead the
 * stored candles are published to the symbol topics first, in time order: the processor recomputes
 * exactly the rows already stored (same candles, same engine, from the same first candle), ends with
 * the state it had, and then takes ingest's backfill as a continuing run would: candles older than its
 * last are ignored (the engine's out-of-order rule, counted), the newest stored one is replaced by its
 * final value, and the minutes missed while stopped follow.
 */

import type { Bus } from "@shamdan/shared/core/bus";
import { type Config, topicFor } from "@shamdan/shared/core/config";
import type { Logger } from "@shamdan/shared/core/log";
import type { CandleMessage } from "@shamdan/shared/core/messages";
import type { StoreReader } from "@shamdan/shared/core/store";

/** Rows read and published at a time: bounds memory for a store holding months of minutes. */
const PAGE = 5000;
/**
 * Messages the bus may hold before the next page waits: far below the in-memory bus's retention
 * bound (a group lagging past it loses the oldest messages), which the processor must never hit here.
 */
const MAX_HELD = 4 * PAGE;

/** Publishes every stored candle of each symbol of SYMBOLS; returns how many per symbol. */
export async function republishStoredCandles(options: {
  store: StoreReader;
  bus: Bus;
  config: Pick<
    Config,
    "SYMBOLS" | "RESOLUTION" | "TOPIC_TEMPLATE" | "TOPIC_PARTITIONS" | "TOPIC_REPLICATION"
  >;
  logger: Logger;
  /** Messages the bus holds not yet consumed by every group (MemoryBus.retentionStats().retained). */
  held?: () => number;
}): Promise<Record<string, number>> {
  const { store, bus, config, logger, held } = options;
  const stored = new Map((await store.symbols()).map((info) => [info.symbol, info]));
  const counts: Record<string, number> = {};
  for (const symbol of config.SYMBOLS) {
    const info = stored.get(symbol);
    if (!info) continue;
    const topic = topicFor(config, symbol);
    await bus.ensureTopics([
      { name: topic, partitions: config.TOPIC_PARTITIONS, replication: config.TOPIC_REPLICATION },
    ]);
    let from = 0;
    let count = 0;
    for (;;) {
      const rows = await store.rows({ symbol, from, to: info.lastOpenTime + 1 }, PAGE);
      if (rows.length === 0) break;
      await bus.publish(
        topic,
        rows.map((row) => {
          const message: CandleMessage = {
            v: 1,
            symbol,
            resolution: config.RESOLUTION,
            openTime: row.openTime,
            open: row.open,
            high: row.high,
            low: row.low,
            close: row.close,
            volume: row.volume,
            fetchedAt: row.openTime,
          };
          return { key: symbol, value: JSON.stringify(message) };
        }),
      );
      count += rows.length;
      while (held && held() > MAX_HELD) await Bun.sleep(5);
      if (rows.length < PAGE) break;
      from = (rows.at(-1)?.openTime ?? from) + 1;
    }
    counts[symbol] = count;
  }
  if (Object.keys(counts).length > 0)
    logger.info("stored candles sent to the processor again, so it continues where it stopped", {
      candles: counts,
    });
  return counts;
}
