import { describe, expect, test } from "bun:test";
import type { BenchResults } from "./results.ts";
import { benchTable, figureAt, replaceTable, TABLE_END, TABLE_START } from "./table.ts";

const machine = { cores: 2, cpuModel: "AMD EPYC", memoryGb: 23.5, bun: "1.4.5", platform: "linux-x64" };

const run: BenchResults = {
  date: "2026-12-01T16:00:00.000Z",
  machine,
  indicators: {
    engineNsPerCandle: 48.53,
    tradingSignalsNsPerCandle: 252.97,
    fusedNsPerCandle: 17.83,
    ratioVsTradingSignals: 5.2127,
    ratioToFused: 2.7212,
  },
  pipeline: { latencyP50Ms: 29.4, latencyP99Ms: 1200 },
  // Incomplete: the api rows need all six figures of their group.
  api: { uncached: { summarizeP99Ms: 40 } },
};

describe("bench table", () => {
  test("renders the machine and a row per complete group, with the figures of the file and verdicts", () => {
    const table = benchTable(run);
    const lines = table.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "Measured 2026-12-01 on 2 cores (AMD EPYC), 23.5 GB of memory, Bun 1.4.5, linux-x64.",
    );
    expect(lines.slice(2, 4)).toEqual(["| benchmark | result | target |", "| --- | --- | --- |"]);
    expect(lines).toHaveLength(6);
    expect(lines[4]).toBe(
      "| `indicators`: full per-candle step (SMA+EMA+RSI+signal) | engine 48.5 ns, `trading-signals` 253 ns " +
        "(5.21x slower), fused loop 17.8 ns (engine 2.72x of it) | >= 4x faster than trading-signals, within 4x of fused: met |",
    );
    // p99 over 1 s: the verdict follows the figure, not a hard-coded text.
    expect(lines[5]).toBe(
      "| `pipeline`: publish → queryable in QuestDB at 1,000 candles/s | p50 29 ms, p99 1,200 ms | p99 < 1 s: missed |",
    );
    expect(table).not.toContain("`api`");
  });

  test("a file without any known figure, or not from bench --json, is refused", () => {
    expect(() => benchTable({ date: run.date, machine })).toThrow("none of the figures");
    expect(() => benchTable({ indicators: {} } as unknown as BenchResults)).toThrow(
      "date or machine missing",
    );
  });

  test("figureAt reads dotted keys and ignores non-numbers", () => {
    expect(figureAt(run, "indicators.ratioToFused")).toBe(2.7212);
    expect(figureAt(run, "api.uncached.summarizeP99Ms")).toBe(40);
    expect(figureAt(run, "api.uncached")).toBeUndefined();
    expect(figureAt(run, "date")).toBeUndefined();
    expect(figureAt(run, "seed.speedupAt10k")).toBeUndefined();
  });

  test("replaceTable swaps only what lies between the markers, and again on a second run", () => {
    const readme = `# Title\n\n## Benchmarks\n\n${TABLE_START}\nold table\n${TABLE_END}\n\n## Folders\n`;
    const once = replaceTable(readme, "NEW\n");
    expect(once).toBe(`# Title\n\n## Benchmarks\n\n${TABLE_START}\nNEW\n${TABLE_END}\n\n## Folders\n`);
    expect(replaceTable(once, "NEWER\n")).toBe(once.replace("NEW\n", "NEWER\n"));
    expect(() => replaceTable("# no markers\n", "x")).toThrow("markers");
    expect(() => replaceTable(`${TABLE_END}\n${TABLE_START}\n`, "x")).toThrow("markers");
  });
});
