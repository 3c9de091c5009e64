/**
 * Embedded mode (`bun start`: the in-memory bus and the SQLite store) throughput and memory: 5 symbols
 * x 100,000 candles of the fake Nobitex's seeded synthetic history (ingest/synthetic-history.ts) are
 * published to the symbol topics as ingest publishes them (one CandleMessage per candle, JSON, pages of
 * 500), through the processor and the sink wired as `bun start` wires them (config with BUS=memory and
 * STORE=sqlite, the adapters from createBus/createStore, sink then processor), until every row is
 * queryable in SQLite. Like embedded-resume.ts, publishing waits while the bus holds more than
 * MAX_HELD messages, far below the in-memory bus's retention cap (a group lagging past it loses
 * messages).
 *
 * The pipeline runs in a child process, so the peak RSS is its own (VmHWM from /proc, read before it
 * exits), not the bench driver's. Targets: >= 50,000 candles/s, peak RSS < 200 MB. The SQLite file is
 * a fresh temporary one, removed afterwards.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { symbolSeed, syntheticCandles } from "../ingest/synthetic-history.ts";
import { startProcessor } from "../processor/processor.ts";
import { candleMessage, REPO_ROOT } from "../processor/testing/pipeline-harness.ts";
import { createBus } from "../shared/adapters/create-bus.ts";
import { createStore } from "../shared/adapters/create-store.ts";
import { MemoryBus } from "../shared/adapters/memory/memory-bus.ts";
import { loadConfig, topicFor } from "../shared/core/config.ts";
import { silentLogger } from "../shared/core/log.ts";
import { startSink } from "../sink/sink.ts";
import { report } from "./results.ts";

const SYMBOLS = ["BTCIRT", "ETHIRT", "USDTIRT", "ETCIRT", "SHIBIRT"];
const PER_SYMBOL = 100_000;
const PAGE = 500;
const MAX_HELD = 20_000;
const TIME_LIMIT_MS = 10 * 60_000;

interface ChildResult {
  candles: number;
  ms: number;
  /** Split of the time: publishing (incl. waits for the bus to drain), then the tail until stored. */
  publishMs: number;
  rows: number;
  /** The child's own highest sampled RSS (fallback where /proc is missing). */
  sampledPeakRss: number;
}

/** The child: the embedded pipeline, fed and timed; prints one JSON line, then waits to be killed. */
async function runChild(sqlitePath: string): Promise<void> {
  const config = loadConfig(
    process.env,
    { SYMBOLS: SYMBOLS.join(","), SQLITE_PATH: sqlitePath, LOG_LEVEL: "warn" },
    { BUS: "memory", STORE: "sqlite" },
  );
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const bus = createBus(config, silentLogger);
  const store = createStore(config, silentLogger);
  await store.init();
  const registry = new Registry();
  const sink = await startSink({ config, bus, store, logger: silentLogger, registry });
  const processor = await startProcessor({ config, bus, logger: silentLogger, registry });
  const held = () => (bus instanceof MemoryBus ? bus.retentionStats().retained : 0);
  const periodMs = 60_000;
  const startMs = Date.UTC(2025, 0, 1);
  const total = SYMBOLS.length * PER_SYMBOL;
  const started = performance.now();
  for (let from = 0; from < PER_SYMBOL; from += PAGE) {
    for (const symbol of SYMBOLS) {
      const series = { startMs, periodMs, count: PER_SYMBOL, seed: symbolSeed(1, symbol) };
      const candles = syntheticCandles(series, from, from + PAGE);
      await bus.publish(
        topicFor(config, symbol),
        candles.map((c) => ({ key: symbol, value: JSON.stringify(candleMessage(symbol, c)) })),
      );
    }
    while (held() > MAX_HELD) await Bun.sleep(1);
  }
  const publishMs = performance.now() - started;
  const stored = async () => (await store.symbols()).reduce((n, s) => n + s.rows, 0);
  let rows = await stored();
  while (rows < total) {
    await Bun.sleep(5);
    rows = await stored();
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  const result: ChildResult = { candles: total, ms, publishMs, rows, sampledPeakRss: peak };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await processor.stop();
  await sink.stop();
  await bus.close();
  await store.close();
  // Stay alive until the driver has read the peak RSS and ends the process.
  await new Promise(() => {});
}

/** Peak resident set (VmHWM, bytes) of a live process, from /proc; undefined elsewhere. */
function peakRssOf(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "shamdan-embedded-bench-"));
  const child = Bun.spawn(["bun", import.meta.path, "--child", join(dir, "bench.sqlite")], {
    cwd: REPO_ROOT,
    stdout: "pipe",
    stderr: "inherit",
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), TIME_LIMIT_MS);
  try {
    const reader = child.stdout.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done)
        throw new Error(
          `embedded bench: the child ended without a result (exit ${await child.exited}; killed after ${TIME_LIMIT_MS / 60_000} min?)`,
        );
      text += new TextDecoder().decode(value);
    }
    const peakRss = peakRssOf(child.pid);
    const result = JSON.parse(text.slice(0, text.indexOf("\n"))) as ChildResult;
    const perSecond = (result.candles * 1000) / result.ms;
    const peakMb = (peakRss ?? result.sampledPeakRss) / 2 ** 20;
    console.log(
      `embedded (memory bus + processor + sink + SQLite, one child process): ${result.candles.toLocaleString("en-US")} candles, ${SYMBOLS.length} symbols`,
    );
    console.log(
      `  published in ${(result.publishMs / 1000).toFixed(1)} s (waiting while the bus holds > ${MAX_HELD}), all ${result.rows.toLocaleString("en-US")} rows queryable after ${(result.ms / 1000).toFixed(1)} s`,
    );
    console.log(
      `embedded throughput             ${Math.round(perSecond).toLocaleString("en-US").padStart(9)} candles/s  (target >= 50,000; 2 shared cores: noisy)`,
    );
    console.log(
      `embedded peak RSS               ${peakMb.toFixed(0).padStart(9)} MB  (${peakRss === undefined ? "sampled by the child" : "VmHWM of the child"}; target < 200)`,
    );
    if (result.rows !== result.candles)
      throw new Error(`embedded bench: ${result.rows} rows stored, expected ${result.candles}`);
    report("embedded.candlesPerSecond", perSecond);
    report("embedded.peakRssMb", peakMb);
  } finally {
    clearTimeout(killer);
    child.kill("SIGKILL");
    await child.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const at = process.argv.indexOf("--child");
  if (at >= 0) await runChild(process.argv[at + 1] ?? ":memory:");
  else await bench();
}
