/**
 * Exchange to bus: from the moment a candle update is published into a real Centrifugo (as Nobitex
 * publishes its stream) to the moment ingest publishes it on the in-memory bus, with LIVE_SOURCE
 * websocket and with poll (the default POLL_CRON, every 10 s), at 5 symbols x one update per second.
 * The bench process plays the exchange: it keeps each symbol's forming candle, serves it on a UDF
 * endpoint and pushes every change into Centrifugo, so both sources see the same candles. It measures
 * ingest's share of exchange-to-signal latency (the pipeline after the bus is the same for both).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { nobitexPushData } from "../ingest/centrifugo-publisher.ts";
import { ensureCentrifugo, startCentrifugo } from "../ingest/centrifugo-server.ts";
import { startIngestService } from "../ingest/ingest-service.ts";
import { candleChannel } from "../ingest/push-candle.ts";
import { MemoryBus } from "../shared/adapters/memory/memory-bus.ts";
import { textDecoder } from "../shared/core/bus.ts";
import { loadConfig } from "../shared/core/config.ts";
import { silentLogger } from "../shared/core/log.ts";
import type { Candle } from "../shared/core/udf.ts";
import { report } from "./results.ts";

const SYMBOLS = ["BTCIRT", "ETHIRT", "USDTIRT", "ETCIRT", "SHIBIRT"];
const SECONDS = 30;

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

async function measure(source: "websocket" | "poll", binary: string, dir: string) {
  const port = await freePort();
  const centrifugo = await startCentrifugo({ binary, port, dir: join(dir, source) });
  // The exchange: every symbol's candles (closed ones and the forming one), in memory.
  const candles = new Map<string, Candle[]>(SYMBOLS.map((s) => [s, []]));
  // Per symbol: each update (close, when published) and each bus message (close, when it arrived).
  // Closes grow with every update, so an update reached the bus with the first message at or above it
  // (polling skips the updates a later one superseded before the next poll: they count until then).
  const updates = new Map<string, { close: number; at: number }[]>(SYMBOLS.map((s) => [s, []]));
  const arrivals = new Map<string, { close: number; at: number }[]>(SYMBOLS.map((s) => [s, []]));
  const udf = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      const q = new URL(request.url).searchParams;
      const from = Number(q.get("from")) * 1000;
      const to = Number(q.get("to")) * 1000;
      const list = (candles.get(q.get("symbol") ?? "") ?? []).filter(
        (c) => c.openTime >= from && c.openTime <= to,
      );
      if (list.length === 0) return Response.json({ s: "no_data" });
      return Response.json({
        s: "ok",
        t: list.map((c) => c.openTime / 1000),
        o: list.map((c) => c.open),
        h: list.map((c) => c.high),
        l: list.map((c) => c.low),
        c: list.map((c) => c.close),
        v: list.map((c) => c.volume),
      });
    },
  });
  let tick = 0;
  const update = (symbol: string): Candle => {
    const list = candles.get(symbol) as Candle[];
    const openTime = Math.floor(Date.now() / 60_000) * 60_000;
    const close = 1_000_000 + ++tick;
    const last = list.at(-1);
    const next: Candle =
      last && last.openTime === openTime
        ? { ...last, high: Math.max(last.high, close), close, volume: last.volume + 1 }
        : { openTime, open: close, high: close, low: close, close, volume: 1 };
    if (last && last.openTime === openTime) list[list.length - 1] = next;
    else list.push(next);
    return next;
  };
  for (const s of SYMBOLS) update(s);

  const bus = new MemoryBus();
  const config = loadConfig(
    {},
    {
      SYMBOLS: SYMBOLS.join(","),
      NOBITEX_BASE_URL: `http://127.0.0.1:${udf.port}`,
      LIVE_SOURCE: source,
      NOBITEX_WS_URL: centrifugo.wsUrl,
      BACKFILL_CANDLES: "2",
    },
  );
  const ingest = await startIngestService({
    config,
    bus,
    logger: silentLogger,
    registry: new Registry(),
    healthPort: false,
  });
  const reader = await bus.subscribe({
    groupId: "bench",
    topics: SYMBOLS.map((s) => `${s.toLowerCase()}_topic`),
    onBatch: async ({ messages }) => {
      const now = performance.now();
      for (const m of messages) {
        const c = JSON.parse(textDecoder.decode(m.value));
        arrivals.get(c.symbol)?.push({ close: c.close, at: now });
      }
    },
  });
  // Let the stream subscribe before the clock starts.
  await Bun.sleep(1000);
  const stopAt = performance.now() + SECONDS * 1000;
  const loops = SYMBOLS.map(async (symbol, i) => {
    await Bun.sleep((1000 * i) / SYMBOLS.length);
    while (performance.now() < stopAt) {
      const c = update(symbol);
      updates.get(symbol)?.push({ close: c.close, at: performance.now() });
      await centrifugo.publish(candleChannel(symbol, "1"), nobitexPushData(c));
      await Bun.sleep(1000);
    }
  });
  await Promise.all(loops);
  await Bun.sleep(source === "poll" ? 11_000 : 500);
  await reader.stop();
  await ingest.stop();
  await bus.close();
  await udf.stop(true);
  await centrifugo.stop();
  const latencies: number[] = [];
  let published = 0;
  for (const symbol of SYMBOLS) {
    const got = arrivals.get(symbol) ?? [];
    for (const u of updates.get(symbol) ?? []) {
      published++;
      const first = got.find((a) => a.close >= u.close && a.at >= u.at);
      if (first) latencies.push(first.at - u.at);
    }
  }
  const direct = SYMBOLS.reduce((n, s) => n + new Set((arrivals.get(s) ?? []).map((a) => a.close)).size, 0);
  return {
    updates: published,
    seen: latencies.length,
    direct,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}

async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port as number;
  await server.stop(true);
  return port;
}

export async function bench(): Promise<void> {
  const binary = await ensureCentrifugo({ log: (line) => process.stdout.write(`${line}\n`) });
  const dir = mkdtempSync(join(tmpdir(), "shamdan-ws-bench-"));
  try {
    const results: Record<string, number> = {};
    for (const source of ["websocket", "poll"] as const) {
      const r = await measure(source, binary, dir);
      const prefix = source === "websocket" ? "ws" : "poll";
      results[`${prefix}.exchangeToBusP50Ms`] = Math.round(r.p50 * 10) / 10;
      results[`${prefix}.exchangeToBusP99Ms`] = Math.round(r.p99 * 10) / 10;
      process.stdout.write(
        `${source.padEnd(9)} exchange -> bus  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  (${r.seen} of ${r.updates} updates reached the bus, ${r.direct} as their own message; ${SYMBOLS.length} symbols x 1/s, ${SECONDS} s)\n`,
      );
    }
    process.stdout.write(`${JSON.stringify(results)}\n`);
    // Under the ws group, whichever source: `ws.exchangeToBusP50Ms`, `ws.pollExchangeToBusP50Ms`.
    for (const [key, value] of Object.entries(results))
      report(key.startsWith("poll.") ? `ws.pollE${key.slice("poll.e".length)}` : key, value);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
