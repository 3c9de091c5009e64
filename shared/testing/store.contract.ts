/**
 * The one contract every Store adapter passes (run by sqlite-store.test.ts and
 * questdb-store.integration.test.ts): same recorded data in, the same answers out, each checked
 * against values computed independently in JS (./contract-data.ts). Sums and averages are compared
 * to 1e-9 relative (engines add in different orders); everything else exactly.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { IndicatorRow } from "../core/messages.ts";
import {
  AGGREGATIONS,
  type Bar,
  NUMERIC_FIELDS,
  SCORECARD_HORIZONS_MINUTES,
  type Store,
  type Summary,
  type TimeWindow,
} from "../core/store.ts";
import { at, first, last } from "./at.ts";
import { waitFor } from "./integration.ts";
import {
  buildRows,
  expectedAggregate,
  expectedBars,
  expectedStats,
  inWindow,
  near,
} from "./store-contract-data.ts";

const A = "XRPETH";
const B = "ETHBTC";
const MIN = 60_000;

export function storeContract(
  name: string,
  makeStore: () => Promise<Store> | Store,
  options: { cleanup?: () => Promise<void> } = {},
): void {
  // Real QuestDB on a loaded CI box: give loading and polling room (bunfig's [test] timeout is not applied).
  setDefaultTimeout(60_000);
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const a = buildRows("XRPETH.udf.json", A, 3560);
    // ETHBTC re-timed to start 30 minutes after XRPETH, so the two symbols interleave in time.
    const b0 = buildRows("ETHBTC.udf.json", B, 1500);
    const b = buildRows("ETHBTC.udf.json", B, 1500, first(a).openTime + 30 * MIN - first(b0).openTime);
    const all = [...a, ...b];
    const t0 = first(a).openTime;
    const whole: TimeWindow = { symbol: A, from: t0, to: last(a).openTime + MIN };
    const warmUp: TimeWindow = { symbol: A, from: t0, to: t0 + 60 * MIN }; // warm-up nulls inside
    const unaligned: TimeWindow = { symbol: A, from: t0 + 1234 * MIN + 17_000, to: t0 + 1534 * MIN };
    const dayOfB: TimeWindow = { symbol: B, from: t0, to: t0 + 24 * 60 * MIN };
    const windows: TimeWindow[] = [whole, warmUp, unaligned, dayOfB];
    const empty: TimeWindow[] = [
      { symbol: A, from: t0 - 600 * MIN, to: t0 },
      { symbol: "NOSUCH", from: t0, to: whole.to },
      { symbol: A, from: t0 + 5 * MIN, to: t0 + 5 * MIN }, // half-open: [x, x) is empty
    ];

    beforeAll(async () => {
      store = await makeStore();
      await store.init();
      await store.init(); // idempotent
      for (let i = 0; i < all.length; i += 1000) await store.write(all.slice(i, i + 1000));
      await waitFor("all rows visible", async () => {
        const counts = await store.symbols();
        return counts.reduce((n, s) => n + s.rows, 0) === all.length ? true : undefined;
      });
    });

    afterAll(async () => {
      await store?.close();
      await options.cleanup?.();
    });

    test("rows come back exactly as written: nulls stay null, volume keeps its decimals", async () => {
      const got = await store.rows(whole, 10_000);
      expect(got).toEqual(a);
      expect(first(got).sma).toBeNull();
      expect(at(got, 7).volume).toBe(1e-8);
      expect(at(got, 8).volume).toBe(0.64692989);
      expect(await store.rows({ ...dayOfB }, 100_000)).toEqual(inWindow(b, dayOfB));
    });

    test("rows honour the limit, earliest first", async () => {
      expect(await store.rows(whole, 10)).toEqual(a.slice(0, 10));
    });

    test("aggregate: every field x aggregation x window", async () => {
      for (const w of windows) {
        const subset = inWindow(all, w);
        for (const field of NUMERIC_FIELDS) {
          for (const aggregation of AGGREGATIONS) {
            const got = await store.aggregate(w, field, aggregation);
            const want = expectedAggregate(subset, field, aggregation);
            const ok = aggregation === "avg" ? near(got, want) : got === want;
            if (!ok)
              throw new Error(`${aggregation}(${field}) ${JSON.stringify(w)}: got ${got}, want ${want}`);
          }
        }
      }
    });

    test("summarize matches the original system's summary of each window", async () => {
      for (const w of windows) {
        const subset = inWindow(all, w);
        const got = await store.summarize(w);
        const want: Summary = {
          close: expectedStats(subset, "close"),
          sma: expectedStats(subset, "sma"),
          ema: expectedStats(subset, "ema"),
          rsi: expectedStats(subset, "rsi"),
          highestGain: expectedAggregate(subset, "gain", "highest"),
          highestLoss: expectedAggregate(subset, "loss", "highest"),
          rows: subset.length,
        };
        for (const key of ["close", "sma", "ema", "rsi"] as const) {
          expect(near(got[key].avg, want[key].avg)).toBe(true);
          expect({ ...got[key], avg: 0 }).toEqual({ ...want[key], avg: 0 });
        }
        expect([got.highestGain, got.highestLoss, got.rows]).toEqual([
          want.highestGain,
          want.highestLoss,
          want.rows,
        ]);
      }
    });

    test("bars downsample OHLCV at 60s to 7 days, buckets at epoch multiples", async () => {
      for (const interval of [60, 300, 420, 3600, 86_400, 172_800, 604_800]) {
        for (const w of windows) {
          const got = await store.bars(w, interval, 100_000);
          expectBars(got, expectedBars(inWindow(all, w), interval), `${interval}s ${JSON.stringify(w)}`);
        }
      }
      // 60s bars of 1-minute candles are the candles themselves.
      const raw = await store.bars(warmUp, 60, 1000);
      expect(raw.map((x) => x.close)).toEqual(inWindow(a, warmUp).map((r) => r.close));
      expect(await store.bars(whole, 300, 3)).toHaveLength(3);
    });

    test("a limit keeps the earliest bars, in time order", async () => {
      for (const interval of [300, 3600]) {
        const want = expectedBars(inWindow(all, whole), interval).slice(0, 5);
        expectBars(await store.bars(whole, interval, 5), want, `${interval}s limit 5`);
      }
    });

    test("signals, with and without changesOnly, one symbol or all", async () => {
      const w = { from: t0, to: t0 + 600 * MIN };
      const sorted = inTime(all, w).sort((x, y) => x.openTime - y.openTime || (x.symbol < y.symbol ? -1 : 1));
      const event = (r: IndicatorRow) => ({
        symbol: r.symbol,
        openTime: r.openTime,
        close: r.close,
        signal: r.signal,
        signalChanged: r.signalChanged,
        sma: r.sma,
        ema: r.ema,
        rsi: r.rsi,
      });
      expect(await store.signals(w, { changesOnly: false, limit: 100_000 })).toEqual(sorted.map(event));
      const changes = sorted.filter((r) => r.signalChanged);
      expect(changes.length).toBeGreaterThan(5);
      expect(await store.signals(w, { changesOnly: true, limit: 100_000 })).toEqual(changes.map(event));
      expect(await store.signals({ ...w, symbol: B }, { changesOnly: true, limit: 100_000 })).toEqual(
        changes.filter((r) => r.symbol === B).map(event),
      );
      expect(await store.signals(w, { changesOnly: true, limit: 3 })).toEqual(changes.slice(0, 3).map(event));
      expect(await store.signals({ ...w, symbol: "NOSUCH" }, { changesOnly: false, limit: 10 })).toEqual([]);
    });

    test("latestSignals and symbols", async () => {
      const lastA = last(a);
      const lastB = last(b);
      const latest = await store.latestSignals();
      expect(latest.map((s) => [s.symbol, s.openTime, s.signal, s.close])).toEqual([
        [B, lastB.openTime, lastB.signal, lastB.close],
        [A, lastA.openTime, lastA.signal, lastA.close],
      ]);
      expect(await store.symbols()).toEqual([
        { symbol: B, lastOpenTime: lastB.openTime, latestSignal: lastB.signal, rows: b.length },
        { symbol: A, lastOpenTime: lastA.openTime, latestSignal: lastA.signal, rows: a.length },
      ]);
    });

    test("scorecard: each change's forward return 5, 15 and 60 minutes on, per symbol and horizon", async () => {
      const half = { from: t0 + 600 * MIN, to: t0 + 2000 * MIN };
      const cases = [
        { from: t0, to: whole.to },
        { ...half, symbol: A },
        { ...half, symbol: B },
        { from: t0 - 600 * MIN, to: t0 },
      ];
      for (const w of cases) {
        const want = expectedScorecard(all, w);
        const got = await store.scorecard(w);
        expect(got.map((r) => [r.symbol, r.horizonMinutes, r.count, r.hits])).toEqual(
          want.map((r) => [r.symbol, r.horizonMinutes, r.count, r.hits]),
        );
        for (const [i, r] of want.entries()) {
          const g = at(got, i);
          expect({ ...r, ok: near(g.meanReturn, r.meanReturn) && near(g.hitRate, r.hitRate) }).toEqual({
            ...r,
            ok: true,
          });
        }
      }
      // The recording has changes both ways and horizons that find their later candle.
      expect(expectedScorecard(all, cases[0] ?? whole).length).toBe(6);
    });

    test("empty windows give nulls and empty lists, never errors or zeros", async () => {
      for (const w of empty) {
        for (const field of NUMERIC_FIELDS) expect(await store.aggregate(w, field, "avg")).toBeNull();
        const s = await store.summarize(w);
        expect(s.rows).toBe(0);
        expect([s.close.avg, s.close.highest, s.rsi.lowest, s.highestGain, s.highestLoss]).toEqual([
          null,
          null,
          null,
          null,
          null,
        ]);
        expect(await store.bars(w, 300, 10)).toEqual([]);
        expect(await store.rows(w, 10)).toEqual([]);
      }
    });

    test("hostile input is only ever a parameter", async () => {
      for (const symbol of ["A'; DROP TABLE stock_data; --", "XRPETH' OR '1'='1", "\u0000", "ری\u202e"]) {
        const w = { symbol, from: t0, to: whole.to };
        expect((await store.summarize(w)).rows).toBe(0);
        expect(await store.signals(w, { changesOnly: false, limit: 10 })).toEqual([]);
      }
      expect((await store.symbols()).map((s) => s.rows)).toEqual([b.length, a.length]);
    });

    test("ping answers", async () => {
      await store.ping();
    });

    test("writing a row again replaces it: one row, the new values, nulls as null", async () => {
      const target = at(a, 100);
      const replacement: IndicatorRow = { ...target, close: target.close * 1.5, sma: null, volume: 0.5 };
      await store.write([replacement]);
      const point: TimeWindow = { symbol: A, from: target.openTime, to: target.openTime + MIN };
      const got = await waitFor("replacement visible", async () => {
        const rows = await store.rows(point, 10);
        return rows.length === 1 && rows[0]?.close === replacement.close ? rows : undefined;
      });
      expect(got).toEqual([replacement]);
      expect((await store.symbols()).find((s) => s.symbol === A)?.rows).toBe(a.length);
    });
  });
}

/**
 * The scorecard computed in JS from the rows, by lookups instead of a join: for each change to BUY or
 * SELL in the window, the row of its symbol exactly h minutes later, if stored.
 */
function expectedScorecard(rows: readonly IndicatorRow[], w: { from: number; to: number; symbol?: string }) {
  const byKey = new Map(rows.map((r) => [`${r.symbol}@${r.openTime}`, r]));
  const groups = new Map<
    string,
    { symbol: string; horizonMinutes: number; count: number; hits: number; sum: number }
  >();
  for (const r of rows) {
    if (!r.signalChanged || r.signal === "HOLD" || r.openTime < w.from || r.openTime >= w.to) continue;
    if (w.symbol !== undefined && r.symbol !== w.symbol) continue;
    for (const h of SCORECARD_HORIZONS_MINUTES) {
      const later = byKey.get(`${r.symbol}@${r.openTime + h * MIN}`);
      if (!later) continue;
      const key = `${r.symbol}/${String(h).padStart(3, "0")}`;
      const g = groups.get(key) ?? { symbol: r.symbol, horizonMinutes: h, count: 0, hits: 0, sum: 0 };
      const forward = later.close / r.close - 1;
      g.count++;
      if (r.signal === "BUY" ? later.close > r.close : later.close < r.close) g.hits++;
      g.sum += r.signal === "BUY" ? forward : -forward;
      groups.set(key, g);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, g]) => ({
      symbol: g.symbol,
      horizonMinutes: g.horizonMinutes,
      count: g.count,
      hits: g.hits,
      hitRate: g.hits / g.count,
      meanReturn: g.sum / g.count,
    }));
}

const inTime = (rows: readonly IndicatorRow[], w: { from: number; to: number }) =>
  rows.filter((r) => r.openTime >= w.from && r.openTime < w.to);

function expectBars(got: Bar[], want: Bar[], what: string): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} bars, want ${want.length}`);
  for (const [i, w] of want.entries()) {
    const g = at(got, i);
    if (
      !near(g.volume, w.volume) ||
      JSON.stringify({ ...g, volume: 0 }) !== JSON.stringify({ ...w, volume: 0 })
    )
      throw new Error(`${what}: bar ${i} is ${JSON.stringify(g)}, want ${JSON.stringify(w)}`);
  }
}
