import { Registry } from "prom-client";
import { startProcessor } from "../../processor/processor.ts";
import { publishCandles, questDb } from "../../processor/testing/pipeline-harness.ts";
import { QuestDbStore } from "../../shared/adapters/questdb/questdb-store.ts";
import { silentLogger } from "../../shared/core/log.ts";
import { waitFor } from "../../shared/testing/integration.ts";
import { startSink } from "../../sink/sink.ts";
import { quantile } from "../measure.ts";
import { report } from "../results.ts";
import { bus, finish, newRun, perSec, SYMBOLS, series } from "./harness.ts";

// A benchmark script: one timed sequence (publish at a steady rate, watch rows appear, report).
export async function benchLatency(): Promise<void> {
  const RATE = 1000;
  const SECONDS = 20;
  const run = newRun("bench_lat");
  try {
    const perSymbol = Math.ceil((RATE * SECONDS) / SYMBOLS.length) + 1000;
    const data = new Map(SYMBOLS.map((s) => [s, series(s, perSymbol)]));
    const processor = await startProcessor({
      config: run.config,
      bus: bus(run),
      logger: silentLogger,
      registry: new Registry(),
    });
    run.cleanup.push(() => processor.stop());
    const store = new QuestDbStore(run.config);
    run.cleanup.push(() => store.close());
    const sink = await startSink({
      config: run.config,
      bus: bus(run),
      store,
      logger: silentLogger,
      registry: new Registry(),
    });
    run.cleanup.push(() => sink.stop());
    const publisher = bus(run);
    const db = questDb(run.config);
    run.cleanup.push(() => db.close());
    const maxVisible = async () => {
      const rows = await db.sql.unsafe(
        `SELECT stock_symbol, cast(max(local_time) AS long) / 1000 AS t FROM "${run.config.QUESTDB_TABLE}"`,
      );
      return new Map(rows.map((r) => [String(r.stock_symbol), Number(r.t)]));
    };
    // Warm-up: the first 50 candles of each symbol, until visible (group joins, table creation, JIT).
    for (const [s, c] of data) await publishCandles(publisher, run.config, s, c.slice(0, 50));
    await waitFor(
      "warm-up visible",
      async () => ((await maxVisible()).size === SYMBOLS.length ? true : undefined),
      60_000,
      50,
    );

    // Per symbol, in publish order: open time and publish time; `next` = first one not yet seen.
    const published = new Map<string, { t: number; at: number }[]>(
      SYMBOLS.map((sym) => [sym, [] as { t: number; at: number }[]]),
    );
    const next = new Map<string, number>(SYMBOLS.map((sym) => [sym, 0]));
    const latencies: number[] = [];
    const cursor = new Map(SYMBOLS.map((sym) => [sym, 50]));
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const visible = await maxVisible().catch(() => new Map<string, number>());
        const now = performance.now();
        for (const [symbol, t] of visible) {
          const list = published.get(symbol) ?? [];
          let i = next.get(symbol) ?? 0;
          for (; i < list.length && (list[i]?.t ?? Infinity) <= t; i++)
            latencies.push(now - (list[i]?.at ?? now));
          next.set(symbol, i);
        }
        await Bun.sleep(20);
      }
    })();
    // 50 candles every 50 ms: each tick's publishes (acknowledged, per-symbol order kept) fit in the tick.
    const tick = 50;
    const begin = performance.now();
    for (let i = 0; i < (SECONDS * 1000) / tick; i++) {
      const due = begin + i * tick;
      const wait = due - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      await Promise.all(
        SYMBOLS.map(async (symbol, k) => {
          const n =
            (RATE * tick) / 1000 / SYMBOLS.length + (k < ((RATE * tick) / 1000) % SYMBOLS.length ? 1 : 0);
          const from = cursor.get(symbol) ?? 0;
          cursor.set(symbol, from + Math.floor(n));
          const slice = data.get(symbol)?.slice(from, from + Math.floor(n)) ?? [];
          const at = performance.now();
          for (const c of slice) published.get(symbol)?.push({ t: c.openTime, at });
          await publishCandles(publisher, run.config, symbol, slice);
        }),
      );
    }
    const publishSeconds = (performance.now() - begin) / 1000;
    const count = [...published.values()].reduce((n, list) => n + list.length, 0);
    await waitFor("all visible", () => (latencies.length >= count ? true : undefined), 60_000, 50).catch(
      () => undefined,
    );
    polling = false;
    await poller;
    const q = (p: number) => quantile(latencies, p);
    console.log(
      `latency publish -> queryable    p50 ${q(0.5).toFixed(0)} ms  p99 ${q(0.99).toFixed(0)} ms  max ${q(1).toFixed(0)} ms  (target p99 < 1000 ms)`,
    );
    // None seen leaves the quantiles NaN: nothing is reported rather than a made-up figure.
    if (latencies.length > 0) {
      report("pipeline.latencyP50Ms", q(0.5));
      report("pipeline.latencyP99Ms", q(0.99));
    }
    console.log(
      `  ${count} candles in ${publishSeconds.toFixed(1)} s (${perSec(count, publishSeconds * 1000)}/s), ${latencies.length} seen, poll every 20 ms`,
    );
  } finally {
    await finish(run);
  }
}
