/**
 * API latency under load: one year of 1-minute candles for 5 symbols (5 x 525,600 rows of a seeded
 * random walk with its SMA/EMA/RSI, ending now) in a QuestDB table of its own, the API served with
 * Bun.serve on 127.0.0.1 as `bun run shamdan api` builds it (the in-memory mirror of the last
 * API_MIRROR_DAYS in front of the store), and autocannon (npm) at 100 connections for 10 s per case,
 * under Node in a child process so the load generator does not share the server's event loop:
 *
 * - cached: every request identical, the 1 s answer cache on (as deployed);
 * - uncached: the cache off and every request for its own random window ending in the last five
 *   days, what a dashboard's users ask for; answered by the mirror;
 * - history: the cache off and random windows anywhere in the rest of the year; answered by QuestDB.
 *
 * Targets (uncached): summarize p99 < 50 ms and >= 2,000 req/s, candles p99 < 100 ms. Bounded: fixed
 * durations; the table is dropped afterwards.
 */
import { join } from "node:path";
import postgres from "postgres";
import { createApp } from "../api/app.ts";
import { serveApi } from "../api/serve.ts";
import { StoreMirror } from "../api/store-mirror.ts";
import { QuestDbStore } from "../shared/adapters/questdb/questdb-store.ts";
import { silentLogger } from "../shared/core/log.ts";
import type { IndicatorRow } from "../shared/core/messages.ts";
import { requireInfra, testConfig, uniqueName } from "../shared/testing/integration.ts";
import { randomWalkRows } from "../shared/testing/random-walk.ts";
import { walApplied } from "../shared/testing/wal-applied.ts";
import { quietLine, waitUntilQuiet } from "./cpu-accounting.ts";
import { report } from "./results.ts";

const SYMBOLS = ["BTCIRT", "ETHIRT", "USDTIRT", "ETCIRT", "SHIBIRT"];
const MINUTE = 60_000;

interface Load {
  latency: { p50: number; p99: number };
  requests: { average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface LoadSpec {
  kind: "summarize" | "candles";
  symbols: readonly string[];
  minutes: number;
  interval?: string;
  /** Each request's window ends at a random minute in [endFromMs, endToMs] (equal: one window). */
  endFromMs: number;
  endToMs: number;
}

/** Async on purpose: a synchronous spawn would block the event loop that serves the requests. */
async function autocannon(url: string, spec: LoadSpec, seconds: number): Promise<Load> {
  const script = join(import.meta.dir, "load", "random-windows.mjs");
  const args = JSON.stringify({ url, seconds, connections: 100, ...spec });
  const child = Bun.spawn(["node", script, args], { stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => child.kill(), (seconds + 30) * 1000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(killer);
  if (code !== 0) throw new Error(`autocannon failed (${code}): ${stderr}`);
  return JSON.parse(stdout) as Load;
}

const DAY = 1440 * MINUTE;

interface Case extends LoadSpec {
  name: string;
  key: "summarize" | "summarizeDay" | "candles";
  target: { p99: number; rps?: number };
}

/** The three reads, over windows ending in [endFromMs, endToMs]. */
function cases(endFromMs: number, endToMs: number, oneWindow: boolean): Case[] {
  const pick = (symbol: string) => (oneWindow ? [symbol] : SYMBOLS);
  return [
    {
      name: "summarize (1 h window)",
      key: "summarize",
      kind: "summarize",
      symbols: pick("BTCIRT"),
      minutes: 60,
      endFromMs,
      endToMs,
      target: { p99: 50, rps: 2000 },
    },
    {
      name: "summarize (1 day window)",
      key: "summarizeDay",
      kind: "summarize",
      symbols: pick("ETHIRT"),
      minutes: 1440,
      endFromMs,
      endToMs,
      target: { p99: 50, rps: 2000 },
    },
    {
      name: "candles (1 day, 15m bars)",
      key: "candles",
      kind: "candles",
      symbols: pick("USDTIRT"),
      minutes: 1440,
      interval: "15m",
      endFromMs,
      endToMs,
      target: { p99: 100 },
    },
  ];
}

async function loadRows(store: QuestDbStore, start: number, rowsPerSymbol: number): Promise<void> {
  const BATCH = 50_000;
  for (const [s, symbol] of SYMBOLS.entries()) {
    let batch: IndicatorRow[] = [];
    for (const row of randomWalkRows(symbol, s + 1, start, rowsPerSymbol)) {
      batch.push(row);
      if (batch.length === BATCH) {
        await store.write(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await store.write(batch);
    process.stdout.write(`  loaded ${symbol}: ${rowsPerSymbol} rows\n`);
  }
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
  // The history ends now, so the mirror holds its last API_MIRROR_DAYS as it would in production.
  const end = Math.floor(Date.now() / MINUTE) * MINUTE;
  const start = end - rowsPerSymbol * MINUTE;
  const mirror = new StoreMirror(store, {
    days: config.API_MIRROR_DAYS,
    refreshMs: config.API_MIRROR_REFRESH_MS,
    symbols: SYMBOLS,
    logger: silentLogger,
  });
  try {
    await store.init();
    const loadStarted = performance.now();
    await loadRows(store, start, rowsPerSymbol);
    await walApplied(config, 300_000);
    const total = rowsPerSymbol * SYMBOLS.length;
    process.stdout.write(
      `  ${total} rows in QuestDB in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s\n`,
    );
    mirror.start();
    await mirror.loaded();
    // QuestDB can still be busy with the loaded rows after they are visible: not measured on top of it.
    const quiet = quietLine(await waitUntilQuiet(120_000));
    if (quiet) process.stdout.write(`  ${quiet}\n`);

    // A day's window ending here starts a day inside the mirrored range, whatever minute it is now.
    const recentFrom = end - (config.API_MIRROR_DAYS - 2) * DAY;
    const modes = [
      {
        group: "cached",
        cacheTtlMs: 1000,
        cases: cases(end, end, true),
        what: "answer cache 1 s, the same request every time",
      },
      {
        group: "uncached",
        cacheTtlMs: 0,
        cases: cases(recentFrom, end, false),
        what: `answer cache off, random windows ending in the last ${config.API_MIRROR_DAYS - 2} days (the mirror)`,
      },
      {
        group: "history",
        cacheTtlMs: 0,
        cases: cases(start + DAY, recentFrom - 2 * DAY, false),
        what: "answer cache off, random windows in the rest of the year (QuestDB)",
      },
    ];
    for (const mode of modes) {
      const app = createApp({ store: mirror, config, logger: silentLogger, cacheTtlMs: mode.cacheTtlMs });
      const server = serveApi(app, { port: 0, hostname: "127.0.0.1" });
      process.stdout.write(`  -- ${mode.group}: ${mode.what}\n`);
      try {
        for (const c of mode.cases) {
          // A short warm-up so connection pools and prepared statements exist before the measured run.
          await autocannon(String(server.url), c, 2);
          const load = await autocannon(String(server.url), c, seconds);
          const group = `api.${mode.group}.${c.key}`;
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
      } finally {
        await server.stop();
      }
    }
    process.stdout.write(`  (100 connections, ${seconds} s each, autocannon under Node, ${total} rows)\n`);
  } finally {
    await mirror.stop();
    await store.close();
    await sql.unsafe(`DROP TABLE IF EXISTS "${table}"`);
    await sql.end({ timeout: 1 });
  }
}
