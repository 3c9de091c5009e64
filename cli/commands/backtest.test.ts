/**
 * `shamdan backtest` end to end: the real CLI on a recording (JSON shape and numbers equal to the
 * backtest module over `compute`'s signals), the table, the store mode on a SQLite store holding the
 * same candles, and bad input (exit 2, one line).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "@shamdan/shared/adapters/sqlite/sqlite-store";
import { loadConfig } from "@shamdan/shared/core/config";
import { at } from "@shamdan/shared/testing/at";
import { RECORDINGS_DIR, recordedRows } from "@shamdan/shared/testing/recordings";
import { backtest } from "../backtest/backtest.ts";
import { runCli } from "../testing/run-cli.ts";
import { DEFAULT_FEE } from "./backtest.ts";

const root = join(import.meta.dir, "../..");
const recording = join(RECORDINGS_DIR, "XRPETH.udf.json");
const dir = mkdtempSync(join(tmpdir(), "shamdan-backtest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string> = {}) => runCli(["backtest", ...args], { env });

/** What `compute` prints for the recording, traded by the backtest module. */
async function expectedFromCompute(fee: number, flavor = "talib") {
  const proc = Bun.spawn(["bun", "cli/main.ts", "compute", "--input", recording, "--flavor", flavor], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "" },
    stdout: "pipe",
  });
  const lines = (await new Response(proc.stdout).text()).trimEnd().split("\n");
  const points = lines.map((l) => {
    const row = JSON.parse(l) as { time: number; close: number; signal: "BUY" | "SELL" | "HOLD" };
    return { time: row.time * 1000, close: row.close, signal: row.signal };
  });
  return backtest(points, { fee });
}

describe("shamdan backtest --input", () => {
  test("--format json: one document, summary and trades equal to compute's signals traded by the rules", async () => {
    const { stdout, stderr, code } = await run(["--input", recording, "--format", "json"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.trimEnd().split("\n").length).toBe(1);
    const doc = JSON.parse(stdout);
    expect(Object.keys(doc).sort()).toEqual(["summary", "trades"]);
    for (const key of [
      "trades",
      "wins",
      "winRate",
      "totalReturn",
      "maxDrawdown",
      "buyAndHoldReturn",
      "exposure",
      "feesPaid",
    ])
      expect(typeof doc.summary[key]).toBe("number");

    const expected = await expectedFromCompute(DEFAULT_FEE);
    expect(doc.summary.fee).toBe(0.0025);
    expect(doc.summary.trades).toBe(expected.summary.trades);
    expect(doc.summary.totalReturn).toBe(expected.summary.totalReturn);
    expect(doc.summary.maxDrawdown).toBe(expected.summary.maxDrawdown);
    expect(doc.summary.exposure).toBe(expected.summary.exposure);
    expect(doc.trades.length).toBe(expected.trades.length);
    const first = at(expected.trades, 0);
    expect(doc.trades[0]).toEqual({
      ...first,
      entryTime: new Date(first.entryTime).toISOString().replace(".000Z", "Z"),
      exitTime: new Date(first.exitTime).toISOString().replace(".000Z", "Z"),
    });
    for (const t of doc.trades) {
      expect(Object.keys(t)).toEqual(
        expect.arrayContaining(["entryTime", "entryPrice", "exitTime", "exitPrice", "return"]),
      );
    }
  });

  test("--fee and --flavor change the result as the module says", async () => {
    const { stdout, code } = await run([
      "--input",
      recording,
      "--format",
      "json",
      "--fee",
      "0",
      "--flavor",
      "pandas",
    ]);
    expect(code).toBe(0);
    const expected = await expectedFromCompute(0, "pandas");
    expect(JSON.parse(stdout).summary).toMatchObject({
      fee: 0,
      feesPaid: 0,
      trades: expected.summary.trades,
      totalReturn: expected.summary.totalReturn,
    });
  });

  test("the table: summary lines, an equity chart, trades", async () => {
    const { stdout, stderr, code } = await run(["--input", recording]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const expected = await expectedFromCompute(DEFAULT_FEE);
    expect(stdout).toContain(`trades         ${expected.summary.trades} (wins ${expected.summary.wins}`);
    expect(stdout).toContain(`total return   ${(expected.summary.totalReturn * 100).toFixed(2)}%`);
    expect(stdout).toContain("max drawdown");
    expect(stdout).toContain("buy and hold");
    expect(stdout).toContain("exposure");
    expect(stdout).toContain("fees paid");
    // Eight chart rows, each with the axis.
    expect(stdout.split("\n").filter((l) => l.includes(" ┤")).length).toBe(8);
    expect(stdout).toContain("entry price");
  });
});

describe("shamdan backtest --symbol --from --to (store)", () => {
  test("the store's candles give the same result as the file they came from", async () => {
    const path = join(dir, "store.sqlite");
    const config = loadConfig({ SQLITE_PATH: path, STORE: "sqlite" });
    const store = new SqliteStore(config);
    await store.init();
    const rows = recordedRows("XRPETH.udf.json", "XRPETH");
    // Another symbol in the same window must not leak in.
    await store.write([...rows, ...recordedRows("ETHBTC.udf.json", "ETHBTC", { count: 100 })]);
    await store.close();
    const from = String(at(rows, 0).openTime / 1000);
    const to = String(at(rows, -1).openTime / 1000 + 60);
    const env = { STORE: "sqlite", SQLITE_PATH: path };

    const fromStore = await run(["--symbol", "XRPETH", "--from", from, "--to", to, "--format", "json"], env);
    expect(fromStore.stderr).toBe("");
    expect(fromStore.code).toBe(0);
    const fromFile = await run(["--input", recording, "--format", "json"]);
    expect(JSON.parse(fromStore.stdout)).toEqual(JSON.parse(fromFile.stdout));

    const empty = await run(["--symbol", "NONE", "--from", from, "--to", to], env);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toStartWith("shamdan backtest: no stored candles of NONE");
    expect(empty.stderr.trimEnd().split("\n").length).toBe(1);
  });
});

describe("bad input: exit 2, one line", () => {
  const bad = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const cases: Array<[string, string[], RegExp]> = [
    ["missing file", ["--input", join(dir, "missing.json")], /file not found/],
    ["not JSON", ["--input", bad("a.json", "{")], /not valid JSON/],
    ["not UDF", ["--input", bad("b.json", '{"s":"ok","t":[1]}')], /not a UDF history response/],
    ["no candles", ["--input", bad("c.json", '{"s":"no_data"}')], /no candles to backtest/],
    [
      "an invalid candle",
      ["--input", bad("d.json", '{"s":"ok","t":[1700000000],"o":[1],"h":[0.5],"l":[1],"c":[1],"v":[1]}')],
      /invalid candle/,
    ],
    ["no input", [], /--input FILE or --symbol/],
    ["both inputs", ["--input", recording, "--symbol", "X"], /not both/],
    ["a bad fee", ["--input", recording, "--fee", "abc"], /--fee must be a fraction/],
    ["a fee of 1", ["--input", recording, "--fee", "1"], /--fee must be a fraction/],
    ["a bad format", ["--input", recording, "--format", "csv"], /--format must be table or json/],
    ["a bad flavor", ["--input", recording, "--flavor", "x"], /INDICATOR_FLAVOR/],
    ["an unknown option", ["--input", recording, "--nope"], /nope/],
    ["a bad --from", ["--symbol", "X", "--from", "yesterday", "--to", "1700000000"], /--from/],
    ["--from after --to", ["--symbol", "X", "--from", "1700000060", "--to", "1700000000"], /before --to/],
    ["--symbol alone", ["--symbol", "X"], /go together/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const { stdout, stderr, code } = await run(args);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(message);
      expect(stderr).toStartWith("shamdan backtest: ");
      expect(stderr.endsWith("\n")).toBe(true);
      expect(stderr.trimEnd().split("\n").length).toBe(1);
    });
  }
});
