import { describe, expect, test } from "bun:test";
import { SqliteStore } from "@shamdan/shared/adapters/sqlite/sqlite-store";
import { silentLogger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { mulberry32 } from "@shamdan/shared/core/prng";
import { AGGREGATIONS, NUMERIC_FIELDS, type StoreReader } from "@shamdan/shared/core/store";
import { testConfig } from "@shamdan/shared/testing/integration";
import { randomWalkRows } from "@shamdan/shared/testing/random-walk";
import { testRow } from "@shamdan/shared/testing/rows";
import { Registry } from "prom-client";
import { MirroredSeries } from "./mirrored-series.ts";
import { StoreMirror } from "./store-mirror.ts";
import { expectClose } from "./testing/expect-close.ts";

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const NOW = Date.UTC(2026, 5, 10, 12, 0, 30);
const SYMBOLS = ["AAAIRT", "BBBIRT", "CCCIRT"];
/** Bar intervals of the API, plus odd ones. */
const INTERVALS = [60, 300, 900, 3600, 14_400, 86_400, 7, 420, 604_800];

/** Three days of rows per symbol, with a few minutes missing, ending now. */
function history(): IndicatorRow[] {
  const random = mulberry32(11);
  return SYMBOLS.flatMap((symbol, s) =>
    [...randomWalkRows(symbol, s + 1, NOW - 3 * DAY, 3 * 1440)].filter(() => random() > 0.02),
  );
}

async function sqliteWith(rows: readonly IndicatorRow[]): Promise<SqliteStore> {
  const store = new SqliteStore(testConfig({ SQLITE_PATH: ":memory:" }));
  await store.init();
  await store.write(rows);
  return store;
}

/** A store whose reads are counted and can be made to fail. */
function watched(store: StoreReader) {
  const calls: string[] = [];
  let failing = false;
  const reader = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(key));
        if (failing) return Promise.reject(new Error("store down"));
        return value.apply(target, args);
      };
    },
  });
  return {
    reader,
    calls,
    fail(on: boolean) {
      failing = on;
    },
  };
}

describe("StoreMirror", () => {
  test("summarize, aggregate and bars equal the store's answers on random windows", async () => {
    const store = await sqliteWith(history());
    const mirror = new StoreMirror(store, {
      days: 3,
      refreshMs: 1000,
      symbols: SYMBOLS,
      logger: silentLogger,
      now: () => NOW,
    });
    await mirror.refresh();
    const random = mulberry32(5);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const coveredFrom = Math.floor((NOW - 3 * DAY) / MINUTE) * MINUTE;
    for (let i = 0; i < 300; i++) {
      const from = coveredFrom + Math.floor(random() * 3 * DAY);
      const length = pick([MINUTE, 60 * MINUTE, DAY, 2 * DAY, Math.floor(random() * DAY)]);
      const window = { symbol: pick(SYMBOLS), from, to: from + length };
      expectClose(await mirror.summarize(window), await store.summarize(window), 1e-12, "summarize");
      const field = pick(NUMERIC_FIELDS);
      const aggregation = pick(AGGREGATIONS);
      expectClose(
        await mirror.aggregate(window, field, aggregation),
        await store.aggregate(window, field, aggregation),
        1e-12,
        `aggregate ${field} ${aggregation}`,
      );
      const interval = pick(INTERVALS);
      const limit = pick([0, 1, 7, 10_000]);
      expectClose(
        await mirror.bars(window, interval, limit),
        await store.bars(window, interval, limit),
        1e-12,
        `bars ${interval}s`,
      );
    }
    await mirror.close();
  });

  test("new rows and a forming candle's updates show after one refresh; a minute rewritten further back after the next reload", async () => {
    const rows = history();
    const store = await sqliteWith(rows);
    let now = NOW;
    const mirror = new StoreMirror(store, {
      days: 3,
      refreshMs: 1000,
      resyncMs: 60_000,
      symbols: SYMBOLS,
      logger: silentLogger,
      now: () => now,
    });
    await mirror.refresh();
    const symbol = "AAAIRT";
    const last = rows.filter((r) => r.symbol === symbol).at(-1) as IndicatorRow;
    const recent = { symbol, from: last.openTime - 5 * MINUTE, to: last.openTime + 5 * MINUTE };
    const before = await mirror.summarize(recent);
    const next = testRow({ symbol, openTime: last.openTime + MINUTE, close: 123_456, high: 200_000 });
    await store.write([next, { ...last, close: 654_321, high: 700_000 }]);
    expect(await mirror.summarize(recent)).toEqual(before);
    now += 1000;
    await mirror.refresh();
    expectClose(await mirror.summarize(recent), await store.summarize(recent), 1e-12);
    expect((await mirror.summarize(recent)).close.highest).toBe(654_321);

    const old = rows.filter((r) => r.symbol === symbol)[100] as IndicatorRow;
    const oldWindow = { symbol, from: old.openTime, to: old.openTime + MINUTE };
    await store.write([{ ...old, close: 1 }]);
    now += 1000;
    await mirror.refresh();
    expect((await mirror.summarize(oldWindow)).close.avg).toBe(old.close);
    now += 60_000;
    await mirror.refresh();
    expect((await mirror.summarize(oldWindow)).close.avg).toBe(1);
    await mirror.close();
  });

  test("windows before the mirrored range go to the store; so does every read once the store has failed for staleAfterMs", async () => {
    const store = await sqliteWith(history());
    const watch = watched(store);
    let now = NOW;
    const registry = new Registry();
    const mirror = new StoreMirror(watch.reader, {
      days: 1,
      refreshMs: 1000,
      staleAfterMs: 5000,
      symbols: SYMBOLS,
      logger: silentLogger,
      registry,
      now: () => now,
    });
    await mirror.refresh();
    watch.calls.length = 0;
    const recent = { symbol: "BBBIRT", from: NOW - 60 * MINUTE, to: NOW };
    const expected = await store.summarize(recent);
    const older = { symbol: "BBBIRT", from: NOW - 2 * DAY, to: NOW };
    await mirror.summarize(recent);
    await mirror.bars(recent, 900, 100);
    await mirror.aggregate(recent, "rsi", "avg");
    expect(watch.calls).toEqual([]);
    expectClose(await mirror.summarize(older), await store.summarize(older), 0);
    expect(watch.calls).toEqual(["summarize"]);

    watch.fail(true);
    now += 4000;
    await mirror.refresh();
    expectClose(await mirror.summarize(recent), expected, 1e-12);
    now += 2000;
    await mirror.refresh();
    await expect(mirror.summarize(recent)).rejects.toThrow("store down");
    watch.fail(false);
    now += 1000;
    await mirror.refresh();
    watch.calls.length = 0;
    expectClose(await mirror.summarize(recent), expected, 1e-12);
    expect(watch.calls).toEqual([]);
    const metrics = await registry.metrics();
    expect(metrics).toContain('shamdan_api_mirror_reads_total{answered_by="mirror"}');
    expect(metrics).toMatch(/shamdan_api_mirror_rows \d+/);
    await mirror.close();
  });

  test("symbols the store has but the configuration does not are mirrored too", async () => {
    const store = await sqliteWith([testRow({ symbol: "ZZZIRT", openTime: NOW - MINUTE, close: 5 })]);
    const watch = watched(store);
    const mirror = new StoreMirror(watch.reader, {
      days: 1,
      refreshMs: 1000,
      symbols: [],
      logger: silentLogger,
      now: () => NOW,
    });
    await mirror.refresh();
    watch.calls.length = 0;
    const summary = await mirror.summarize({ symbol: "ZZZIRT", from: NOW - DAY, to: NOW });
    expect(summary.close.avg).toBe(5);
    expect(watch.calls).toEqual([]);
    await mirror.close();
  });
});

describe("MirroredSeries", () => {
  test("keeps rows in time order whatever order they arrive in, one per open time", () => {
    const series = new MirroredSeries(2);
    for (const minute of [5, 1, 3, 9, 3, 0, 7])
      series.upsert(testRow({ openTime: minute * MINUTE, close: minute + 1 }));
    expect(series.length).toBe(6);
    expect(series.lastOpenTime).toBe(9 * MINUTE);
    const bars = series.bars(0, 10 * MINUTE, 60, 100);
    expect(bars.map((b) => b.openTime / MINUTE)).toEqual([0, 1, 3, 5, 7, 9]);
    expect(bars.map((b) => b.close)).toEqual([1, 2, 4, 6, 8, 10]);
    expect(series.summarize(10 * MINUTE, 20 * MINUTE).rows).toBe(0);
    expect(series.summarize(10 * MINUTE, 20 * MINUTE).close).toEqual({
      avg: null,
      highest: null,
      lowest: null,
    });
  });
});
