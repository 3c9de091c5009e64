/**
 * Replay: publishes recorded candles as CandleMessages to the same topics ingest
 * uses, in open-time order across symbols, in batches. `speed` X plays X recorded seconds per real
 * second; without it, as fast as the bus takes them (demos, backfills, benchmarks).
 */
import type { Bus } from "@shamdan/shared/core/bus";
import { type Config, topicFor } from "@shamdan/shared/core/config";
import type { CandleMessage } from "@shamdan/shared/core/messages";
import { toMessage } from "./poller.ts";
import { loadRecording, recordedSymbols } from "./recording.ts";

export interface ReplayOptions {
  config: Pick<Config, "TOPIC_TEMPLATE" | "TOPIC_PARTITIONS" | "TOPIC_REPLICATION">;
  bus: Bus;
  dataDir: string;
  /** Symbols to replay (default: every recording in dataDir). */
  symbols?: string[];
  /** Publish a recording under another symbol: alias -> file symbol. */
  map?: Record<string, string>;
  /** Recorded seconds per real second; undefined = as fast as possible. */
  speed?: number;
  limit?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ReplayResult {
  published: number;
  bySymbol: Record<string, number>;
  elapsedMs: number;
}

export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? Bun.sleep;
  const batchSize = options.batchSize ?? 500;
  const files = options.symbols ?? (await recordedSymbols(options.dataDir));
  const sources: [string, string][] = [
    ...files.map((f): [string, string] => [f, f]),
    ...Object.entries(options.map ?? {}),
  ];
  const messages: CandleMessage[] = [];
  for (const [symbol, file] of sources) {
    const rec = await loadRecording(options.dataDir, file, options.limit);
    for (const c of rec.candles) messages.push(toMessage(symbol, rec.resolution, c, 0));
  }
  messages.sort((a, b) => a.openTime - b.openTime);
  const symbols = sources.map(([s]) => s);
  await options.bus.ensureTopics(
    symbols.map((s) => ({
      name: topicFor(options.config, s),
      partitions: options.config.TOPIC_PARTITIONS,
      replication: options.config.TOPIC_REPLICATION,
    })),
  );
  const started = now();
  const firstTime = messages[0]?.openTime ?? 0;
  const bySymbol: Record<string, number> = Object.fromEntries(symbols.map((s) => [s, 0]));
  let done = 0;
  while (done < messages.length && !options.signal?.aborted) {
    let end = Math.min(messages.length, done + batchSize);
    if (options.speed !== undefined) {
      // Wait until the next candle is due, then send everything due by now (at most one batch).
      const due = (m: CandleMessage) => started + (m.openTime - firstTime) / (options.speed as number);
      const wait = due(messages[done] as CandleMessage) - now();
      if (wait > 0) await sleep(Math.min(wait, 1000));
      if (due(messages[done] as CandleMessage) > now()) continue;
      let last = done + 1;
      while (last < end && due(messages[last] as CandleMessage) <= now()) last++;
      end = last;
    }
    const batch = messages.slice(done, end);
    const fetchedAt = now();
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const m of batch) {
      const topic = topicFor(options.config, m.symbol);
      const list = byTopic.get(topic) ?? [];
      list.push({ key: m.symbol, value: JSON.stringify({ ...m, fetchedAt }) });
      byTopic.set(topic, list);
      bySymbol[m.symbol] = (bySymbol[m.symbol] ?? 0) + 1;
    }
    await Promise.all([...byTopic].map(([topic, list]) => options.bus.publish(topic, list)));
    done = end;
    options.onProgress?.(done, messages.length);
  }
  return { published: done, bySymbol, elapsedMs: now() - started };
}
