/**
 * `bun start --demo` stopped and started again on the same SQLite file (child processes, as a user
 * does it): the history stored before the restart is never rewritten, the minutes it was stopped are
 * backfilled from the recording, and the indicators continue as in one uninterrupted run. The stop is
 * placed just before a minute ends, so the pause always spans a new candle.
 */
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeSeries } from "@shamdan/indicators";
import { loadConfig } from "@shamdan/shared/core/config";
import { engineSettings } from "@shamdan/shared/core/engine-settings";
import { freeLoopbackPort } from "@shamdan/shared/core/port-answers";
import type { Candle } from "@shamdan/shared/core/udf";
import { waitFor } from "@shamdan/shared/testing/integration";
import { readRecording } from "@shamdan/shared/testing/recordings";

const SYMBOLS = ["ETCBTC", "ETHBTC", "XRPETH"];
const dir = mkdtempSync(join(tmpdir(), "shamdan-restart-"));
const sqlitePath = join(dir, "demo.sqlite");

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  stock_symbol: string;
  local_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  SMA_5: number | null;
  EMA_10: number | null;
  RSI_10: number | null;
  signal: string;
  [column: string]: unknown;
}

function storedRows(): Row[] {
  const db = new Database(sqlitePath, { readonly: true });
  try {
    return db.query<Row, []>("SELECT * FROM stock_data ORDER BY stock_symbol, local_time").all();
  } finally {
    db.close();
  }
}

/** The store's time column as epoch ms, whatever type the adapter gives it. */
const timeOf = (row: Row) =>
  typeof row.local_time === "number" ? row.local_time : Date.parse(String(row.local_time));

/** The demo's wall-clock grid for a symbol: its recording repeats, so minute t trades iff `traded(t)`. */
function gridOf(symbol: string) {
  const recording = readRecording(`${symbol}.udf.json`);
  const base = (recording[0] as Candle).openTime;
  const length = (recording.at(-1) as Candle).openTime - base + 60_000;
  const recorded = new Map(recording.map((c) => [c.openTime - base, c]));
  const candleAt = (t: number) => recorded.get(t % length);
  /** The newest minute at or before `epochMs` that has a candle (some minutes have no trade). */
  const latestTraded = (epochMs: number) => {
    let t = epochMs - (epochMs % 60_000);
    while (candleAt(t) === undefined) t -= 60_000;
    return t;
  };
  return { candleAt, latestTraded };
}

/** One demo run: started, ready with rows for every symbol, then `beforeStop`, then SIGINT. */
async function runDemo(beforeStop: () => Promise<void>): Promise<{ code: number; stderr: string }> {
  const port = await freeLoopbackPort();
  const child = Bun.spawn(
    [process.execPath, join(import.meta.dir, "..", "main.ts"), "start", "--demo", "--port", `${port}`],
    {
      cwd: dir,
      env: { HOME: dir, PATH: process.env.PATH ?? "", SQLITE_PATH: sqlitePath, POLL_CRON: "* * * * * *" },
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  const stderr = new Response(child.stderr).text();
  try {
    await waitFor(
      "the demo ready with rows for every symbol",
      async () => {
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        if (!ready?.ok) return undefined;
        const { symbols } = (await (await fetch(`http://127.0.0.1:${port}/api/symbols`)).json()) as {
          symbols: { symbol: string; rows: number }[];
        };
        return SYMBOLS.every((s) => (symbols.find((x) => x.symbol === s)?.rows ?? 0) > 0) ? true : undefined;
      },
      30_000,
      100,
    );
    await beforeStop();
    child.kill("SIGINT");
    const code = await Promise.race([child.exited, Bun.sleep(20_000).then(() => -1)]);
    return { code, stderr: await stderr };
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}; its log:\n${(await stderr).slice(-4000)}`);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

test("a restarted demo keeps every stored row, backfills the pause and continues the indicators", async () => {
  const first = await runDemo(async () => {
    // Stop in the last seconds of a minute: the restart then comes after a new candle opened.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute < 56_000) await Bun.sleep(56_500 - intoMinute);
  });
  expect(first.code).toBe(0);
  const before = storedRows();
  const stoppedAt = Date.now();
  await Bun.sleep(Math.max(0, 60_000 - (stoppedAt % 60_000)) + 2_000);

  // Stopped only once every symbol caught up with the present (the newest minute with a trade), so
  // the check below does not race the restarted demo's first polls.
  let caughtUpAt = 0;
  const second = await runDemo(async () => {
    await waitFor(
      "the restarted demo caught up with the present",
      () => {
        const now = Date.now();
        const rows = storedRows();
        const caughtUp = SYMBOLS.every((symbol) => {
          const newest = Math.max(...rows.filter((r) => r.stock_symbol === symbol).map(timeOf));
          return newest >= gridOf(symbol).latestTraded(now);
        });
        if (caughtUp) caughtUpAt = now;
        return caughtUp ? true : undefined;
      },
      30_000,
      200,
    );
  });
  expect(second.code).toBe(0);
  const after = storedRows();

  const key = (row: Row) => `${row.stock_symbol} ${timeOf(row)}`;
  const afterByKey = new Map(after.map((row) => [key(row), row]));
  const settings = engineSettings(loadConfig({}));
  for (const symbol of SYMBOLS) {
    const mine = before.filter((row) => row.stock_symbol === symbol);
    const later = after.filter((row) => row.stock_symbol === symbol);
    expect(mine.length).toBeGreaterThan(100);
    // Every row stored before the restart is there, unchanged, but the newest: its minute had not
    // ended at the stop, so the restart stores its final value.
    for (const row of mine.slice(0, -1)) expect(afterByKey.get(key(row))).toEqual(row);
    const newestBefore = timeOf(mine.at(-1) as Row);
    const { candleAt, latestTraded } = gridOf(symbol);
    // The pause spans a new minute; it has newer rows unless the recording has no trade since.
    const newestTraded = latestTraded(caughtUpAt);
    expect(timeOf(later.at(-1) as Row)).toBeGreaterThanOrEqual(newestTraded);
    if (newestTraded > newestBefore) expect(timeOf(later.at(-1) as Row)).toBeGreaterThan(newestBefore);

    // No hole and nothing invented: the stored minutes are exactly the recording's minutes (it has
    // gaps where nothing traded) from the first stored one to the newest, on the demo's wall-clock grid.
    const [from, to] = [timeOf(later[0] as Row), timeOf(later.at(-1) as Row)];
    const expectedTimes: number[] = [];
    for (let t = from; t <= to; t += 60_000) if (candleAt(t) !== undefined) expectedTimes.push(t);
    expect(later.map(timeOf)).toEqual(expectedTimes);
    for (const row of later.slice(0, -1)) {
      const c = candleAt(timeOf(row)) as Candle;
      expect([row.open, row.high, row.low, row.close, row.volume]).toEqual([
        c.open,
        c.high,
        c.low,
        c.close,
        c.volume,
      ]);
    }

    // The indicators are those of one uninterrupted run over every stored candle: the restart did not
    // warm them up again.
    const candles = later.map((row) => ({
      openTime: timeOf(row),
      open: row.open,
      high: row.high,
      low: row.low,
      close: row.close,
      volume: row.volume,
    }));
    for (const [i, { step }] of computeSeries(settings, candles).entries()) {
      const row = later[i] as Row;
      if (!step.ok) throw new Error(`${symbol} ${row.local_time}: ${step.detail}`);
      expect([row.SMA_5, row.EMA_10, row.RSI_10, row.signal]).toEqual([
        step.values.sma,
        step.values.ema,
        step.values.rsi,
        step.signal,
      ]);
    }
  }
  expect(second.stderr).toContain("stored candles sent to the processor again");
}, 150_000);
