/** `shamdan compute` end to end: spawns the real CLI on a real recording and on broken files. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeSeries, type EngineSettings } from "@shamdan/indicators";
import { UdfResponseSchema, udfToCandles } from "@shamdan/shared/core/udf";
import * as v from "valibot";
import { runCli } from "../testing/run-cli.ts";

const root = join(import.meta.dir, "../..");
const recording = join(root, "indicators/fixtures/xrpeth-2000.udf.json");
const dir = mkdtempSync(join(tmpdir(), "shamdan-compute-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const compute = (...args: string[]) => runCli(["compute", ...args]);

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const settings = (flavor: "talib" | "pandas", sma = 5, ema = 10, rsi = 10): EngineSettings => ({
  flavor,
  smaPeriod: sma,
  emaPeriod: ema,
  rsiPeriod: rsi,
  rsiBuyBelow: 70,
  rsiSellAbove: 30,
});

describe("shamdan compute on a real recording", () => {
  const candles = udfToCandles(v.parse(UdfResponseSchema, JSON.parse(readFileSync(recording, "utf8"))));

  for (const [flavor, args, s] of [
    ["talib", [], settings("talib")],
    [
      "pandas",
      ["--flavor", "pandas", "--sma", "3", "--ema", "7", "--rsi", "14"],
      settings("pandas", 3, 7, 14),
    ],
    // `seed`, the pandas flavor's old name, still selects it.
    [
      "seed (alias)",
      ["--flavor", "seed", "--sma", "3", "--ema", "7", "--rsi", "14"],
      settings("pandas", 3, 7, 14),
    ],
  ] as const) {
    test(`prints one JSON line per candle, equal to the engine (${flavor})`, async () => {
      const { stdout, stderr, code } = await compute("--input", recording, ...args);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const lines = stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.length).toBe(2000);
      const expected = computeSeries(s, candles).map(({ candle, step }) => {
        if (!step.ok) throw new Error(step.detail);
        const x = step.values;
        return {
          time: candle.openTime / 1000,
          close: candle.close,
          sma: x.sma,
          ema: x.ema,
          rsi: x.rsi,
          avgGain: x.avgGain,
          avgLoss: x.avgLoss,
          signal: step.signal,
        };
      });
      expect(lines).toEqual(expected);
      expect(Object.keys(lines[0])).toEqual([
        "time",
        "close",
        "sma",
        "ema",
        "rsi",
        "avgGain",
        "avgLoss",
        "signal",
      ]);
      expect(lines[0].sma).toBeNull();
      expect(lines[0].time).toBe(1570752000);
    });
  }
});

describe("shamdan compute on broken input", () => {
  const ok = { s: "ok", t: [60, 120], o: [1, 1], h: [2, 2], l: [1, 1], c: [1.5, 1.5], v: [3, 3] };
  const cases: [string, string, RegExp][] = [
    ["missing file", join(dir, "nope.json"), /file not found/],
    ["not JSON", file("garbage.json", "{not json"), /not valid JSON/],
    ["unequal columns", file("cols.json", JSON.stringify({ ...ok, c: [1] })), /equal length/],
    ["t not increasing", file("order.json", JSON.stringify({ ...ok, t: [120, 60] })), /strictly increasing/],
    ["string price", file("str.json", JSON.stringify({ ...ok, c: ["1.5", 1.5] })), /c\.0/],
    [
      "unknown status",
      file("status.json", JSON.stringify({ ...ok, s: "weird" })),
      /not a UDF history response/,
    ],
    [
      "UDF error body",
      file("err.json", '{"s":"error","errmsg":"Invalid resolution!"}'),
      /Invalid resolution!/,
    ],
    [
      "infinite close",
      file("inf.json", JSON.stringify(ok).replace('"c":[1.5', '"c":[1e999')),
      /index 0.*non_finite/,
    ],
    ["high below low", file("hl.json", JSON.stringify({ ...ok, h: [2, 0.5] })), /index 1.*ohlc_inconsistent/],
  ];
  for (const [label, path, message] of cases) {
    test(`${label}: a clear error and exit code 2`, async () => {
      const { stdout, stderr, code } = await compute("--input", path);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(message);
    });
  }

  test("no_data: nothing to print, success", async () => {
    const { stdout, code } = await compute("--input", file("empty.json", '{"s":"no_data"}'));
    expect([stdout, code]).toEqual(["", 0]);
  });

  test("bad options exit 2", async () => {
    const path = file("ok.json", JSON.stringify(ok));
    for (const args of [
      [],
      ["--input", path, "--sma", "0"],
      ["--input", path, "--flavor", "tradingview"],
      ["--input", path, "--x"],
    ]) {
      const { code, stderr } = await compute(...args);
      expect(code).toBe(2);
      expect(stderr.length).toBeGreaterThan(0);
    }
  });
});
