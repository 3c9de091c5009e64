/**
 * API latency under load: one year of 1-minute candles for 5 symbols
 * (5 x 525,600 rows, a seeded random walk with streaming SMA/EMA/RSI) in a QuestDB table of its own,
 * the app served with Bun.serve on 127.0.0.1, and autocannon (npm) at 100 connections for 10 s each
 * on `summarize` and `candles`. Targets: p99 < 50 ms and >= 2,000 req/s for summarize.
 * autocannon runs under Node in a child process, so the load generator does not share the server's
 * event loop. Bounded: the load steps have fixed durations; the table is dropped afterwards.
 */
import { createRequire } from "node:module";
import postgres from "postgres";
import { createApp } from "../api/app.ts";
import { serveApi } from "../api/serve.ts";
import { QuestDbStore } from "../shared/adapters/questdb/questdb-store.ts";
import { silentLogger } from "../shared/core/log.ts";
import type { IndicatorRow, SignalKind } from "../shared/core/messages.ts";
import { requireInfra, testConfig, uniqueName } from "../shared/testing/integration.ts";
import { walApplied } from "../shared/testing/wal-applied.ts";
import { report } from "./results.ts";

const SYMBOLS = ["BTCIRT", "ETHIRT", "USDTIRT", "ETCIRT", "SHIBIRT"];
const MINUTE = 60_000;

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded random walk with SMA(5), EMA(10) and Cutler RSI(10): realistic values and nulls. */
function* series(symbol: string, seed: number, start: number, count: number): Generator<IndicatorRow> {
  const random = mulberry32(seed);
  const closes: number[] = [];
  const gains: number[] = [];
  const losses: number[] = [];
  let close = 1000 + seed * 10;
  let ema: number | null = null;
  let previous: SignalKind = "HOLD";
  for (let i = 0; i < count; i++) {
    const open = close;
    close = Math.max(1, open * (1 + (random() - 0.5) * 0.004));
    const high = Math.max(open, close) * (1 + random() * 0.001);
    const low = Math.min(open, close) * (1 - random() * 0.001);
    closes.push(close);
    if (closes.length > 10) closes.shift();
    const last5 = closes.slice(-5);
    const sma = last5.length === 5 ? last5.reduce((a, b) => a + b, 0) / 5 : null;
    ema =
      ema === null
        ? closes.length === 10
          ? closes.reduce((a, b) => a + b, 0) / 10
          : null
        : ema + (close - ema) * (2 / 11);
    const delta = i === 0 ? null : close - open;
    if (delta !== null) {
      gains.push(Math.max(delta, 0));
      losses.push(Math.max(-delta, 0));
      if (gains.length > 10) {
        gains.shift();
        losses.shift();
      }
    }
    const avgGain = gains.length === 10 ? gains.reduce((a, b) => a + b, 0) / 10 : null;
    const avgLoss = losses.length === 10 ? losses.reduce((a, b) => a + b, 0) / 10 : null;
    const rs = avgGain !== null && avgLoss ? avgGain / avgLoss : null;
    const rsi = rs === null ? null : 100 - 100 / (1 + rs);
    let signal: SignalKind = "HOLD";
    if (sma !== null && ema !== null && rsi !== null) {
      if (sma > ema && rsi < 70) signal = "BUY";
      else if (sma < ema && rsi > 30) signal = "SELL";
    }
    yield {
      v: 1,
      symbol,
      openTime: start + i * MINUTE,
      open,
      high,
      low,
      close,
      volume: random() * 10,
      sma,
      ema,
      delta,
      gain: delta === null ? null : Math.max(delta, 0),
      loss: delta === null ? null : Math.max(-delta, 0),
      avgGain,
      avgLoss,
      rs,
      rsi,
      signal,
      signalChanged: i > 0 && signal !== previous,
      replaced: false,
    };
    previous = signal;
  }
}

interface Load {
  latency: { p50: number; p99: number; average: number };
  requests: { average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Async on purpose: a synchronous spawn would block the event loop that serves the requests. */
async function autocannon(
  url: string,
  options: { method?: string; body?: string; seconds: number },
): Promise<Load> {
  const cli = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
  const args = ["node", cli, "-c", "100", "-d", String(options.seconds), "-j"];
  if (options.method)
    args.push("-m", options.method, "-H", "content-type=application/json", "-b", options.body ?? "");
  args.push(url);
  const child = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => child.kill(), (options.seconds + 30) * 1000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(killer);
  if (code !== 0) throw new Error(`autocannon failed (${code}): ${stderr}`);
  return JSON.parse(stdout) as Load;
}

// A benchmark script: one sequence of measurements, printed as it goes.
export async function bench(options: { rowsPerSymbol?: number; seconds?: number } = {}): Promise<void> {
  const rowsPerSymbol = options.rowsPerSymbol ?? 525_600;
  const seconds = options.seconds ?? 10;
  const table = uniqueName("api_bench");
  const config = testConfig({
    STORE: "questdb",
    QUESTDB_TABLE: table,
    SYMBOLS: SYMBOLS.join(","),
    LOG_LEVEL: "error",
  });
  await requireInfra(config);
  const store = new QuestDbStore(config);
  const sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false, onnotice: () => {} });
  const start = Date.UTC(2025, 0, 1);
  try {
    await store.init();
    const loadStarted = performance.now();
    const BATCH = 50_000;
    for (const [s, symbol] of SYMBOLS.entries()) {
      let batch: IndicatorRow[] = [];
      for (const row of series(symbol, s + 1, start, rowsPerSymbol)) {
        batch.push(row);
        if (batch.length === BATCH) {
          await store.write(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await store.write(batch);
      process.stdout.write(`  loaded ${symbol}: ${rowsPerSymbol} rows\n`);
    }
    await walApplied(config, 300_000);
    const total = rowsPerSymbol * SYMBOLS.length;
    const loadMs = performance.now() - loadStarted;
    process.stdout.write(`  ${total} rows in QuestDB in ${(loadMs / 1000).toFixed(1)} s\n`);

    // Every request of a run is identical, so the 1 s answer cache would serve nearly all of them:
    // the same cases run once with it (as deployed) and once without (every request hits QuestDB).
    for (const cacheTtlMs of [1000, 0]) {
      const app = createApp({ store, config, logger: silentLogger, cacheTtlMs });
      const server = serveApi(app, { port: 0, hostname: "127.0.0.1" });
      process.stdout.write(`  -- answer cache ${cacheTtlMs ? `${cacheTtlMs} ms` : "off"}\n`);
      try {
        const end = start + (rowsPerSymbol - 1) * MINUTE;
        const mid = start + Math.floor(rowsPerSymbol / 2) * MINUTE;
        const cases = [
          {
            name: "summarize (1 h window)",
            key: "summarize",
            url: `${server.url}/api/summarize/`,
            method: "POST",
            body: JSON.stringify({ stock_symbol: "BTCIRT", period: 60, end: end / 1000 }),
            target: { p99: 50, rps: 2000 },
          },
          {
            name: "summarize (1 day window)",
            key: "summarizeDay",
            url: `${server.url}/api/summarize/`,
            method: "POST",
            body: JSON.stringify({ stock_symbol: "ETHIRT", period: 1440, end: mid / 1000 }),
            target: { p99: 50, rps: 2000 },
          },
          {
            name: "candles (1 day, 15m bars)",
            key: "candles",
            url: `${server.url}/api/candles?symbol=USDTIRT&from=${(mid - 1440 * MINUTE) / 1000}&to=${mid / 1000}&interval=15m`,
            target: { p99: 50, rps: 0 },
          },
        ];
        for (const c of cases) {
          // A short warm-up so connection pools and query plans exist before the measured run.
          await autocannon(c.url, { ...c, seconds: 2 });
          const load = await autocannon(c.url, { ...c, seconds });
          const group = `api.${cacheTtlMs ? "cached" : "uncached"}.${c.key}`;
          report(`${group}P50Ms`, load.latency.p50);
          report(`${group}P99Ms`, load.latency.p99);
          report(`${group}Rps`, load.requests.average);
          const verdict = [
            `p99 ${load.latency.p99 < c.target.p99 ? "meets" : "MISSES"} < ${c.target.p99} ms`,
            ...(c.target.rps
              ? [`req/s ${load.requests.average >= c.target.rps ? "meets" : "MISSES"} >= ${c.target.rps}`]
              : []),
          ].join(", ");
          process.stdout.write(
            `  ${c.name.padEnd(28)} p50 ${String(load.latency.p50).padStart(4)} ms  p99 ${String(load.latency.p99).padStart(4)} ms  ` +
              `${load.requests.average.toFixed(0).padStart(6)} req/s  non-2xx ${load.non2xx + load.errors + load.timeouts}  (${verdict})\n`,
          );
        }
        process.stdout.write(
          `  (100 connections, ${seconds} s each, autocannon under Node, ${total} rows)\n`,
        );
      } finally {
        await server.stop();
      }
    }
  } finally {
    await store.close();
    await sql.unsafe(`DROP TABLE IF EXISTS "${table}"`);
    await sql.end({ timeout: 1 });
  }
}
