/**
 * The backtest rules against numbers worked out by hand (each expected value below is written as the
 * arithmetic it comes from), the edge cases the rules name, and a recording against a second,
 * differently built implementation of the same rules.
 */
import { describe, expect, test } from "bun:test";
import { computeSeries, type SignalKind } from "@shamdan/indicators";
import { loadConfig } from "@shamdan/shared/core/config";
import { engineSettings } from "@shamdan/shared/core/engine-settings";
import { at } from "@shamdan/shared/testing/at";
import { readRecording } from "@shamdan/shared/testing/recordings";
import { BacktestInputError, backtest, type SignalPoint } from "./backtest.ts";
import { equityChart } from "./render.ts";

const MIN = 60_000;
const series = (rows: Array<[number, SignalKind]>): SignalPoint[] =>
  rows.map(([close, signal], i) => ({ time: 1_700_000_000_000 + i * MIN, close, signal }));

describe("backtest by hand", () => {
  // F = 1 %: every step below is done on paper.
  const F = 0.01;
  const points = series([
    [100, "HOLD"], // flat: equity 1
    [100, "BUY"], //  buy: units = 1 × 0.99 / 100 = 0.0099, fee 0.01, equity 0.99
    [110, "BUY"], //  already long: equity 0.0099 × 110 = 1.089
    [120, "SELL"], // sell: cash = 0.0099 × 120 × 0.99 = 1.17612, fee 0.01188 (win: 1.17612 > 1)
    [90, "SELL"], //  flat: nothing, equity 1.17612
    [90, "BUY"], //   buy: units = 1.17612 × 0.99 / 90 = 0.0129373200, fee 0.0117612, equity 1.1643588
    [80, "HOLD"], //  equity 0.01293732 × 80 = 1.0349856 (drawdown 1 − 1.0349856 / 1.17612 = 0.12)
    [100, "BUY"], //  last candle, long: sold at 100: cash = 1.293732 × 0.99 = 1.28079468, fee 0.01293732
  ]);
  const { summary, trades, equity } = backtest(points, { fee: F });

  test("summary", () => {
    expect(summary.candles).toBe(8);
    expect(summary.trades).toBe(2);
    expect(summary.wins).toBe(2);
    expect(summary.winRate).toBe(1);
    expect(summary.finalEquity).toBeCloseTo(1.28079468, 12);
    expect(summary.totalReturn).toBeCloseTo(0.28079468, 12);
    expect(summary.maxDrawdown).toBeCloseTo(0.12, 12);
    expect(summary.buyAndHoldReturn).toBeCloseTo(0.99 * 0.99 * (100 / 100) - 1, 12);
    // Long after candles 1, 2, 5, 6, 7 (candle 3 sold): 5 of 8.
    expect(summary.exposure).toBe(5 / 8);
    expect(summary.feesPaid).toBeCloseTo(0.01 + 0.01188 + 0.0117612 + 0.01293732, 12);
    expect(summary.firstTime).toBe(at(points, 0).time);
    expect(summary.lastTime).toBe(at(points, 7).time);
  });

  test("equity after each candle's trade", () => {
    const expected = [1, 0.99, 1.089, 1.17612, 1.17612, 1.1643588, 1.0349856, 1.28079468];
    expect(equity.length).toBe(8);
    expected.forEach((e, i) => {
      expect(equity[i]).toBeCloseTo(e, 12);
    });
  });

  test("trades", () => {
    const [first, second] = trades;
    expect(first).toMatchObject({
      entryTime: at(points, 1).time,
      entryPrice: 100,
      exitTime: at(points, 3).time,
      exitPrice: 120,
      win: true,
      closedAtEnd: false,
    });
    expect(first?.return).toBeCloseTo(0.17612, 12);
    expect(first?.fees).toBeCloseTo(0.01 + 0.01188, 12);
    expect(second).toMatchObject({
      entryTime: at(points, 5).time,
      entryPrice: 90,
      exitTime: at(points, 7).time,
      exitPrice: 100,
      win: true,
      closedAtEnd: true,
    });
    expect(second?.return).toBeCloseTo(1.28079468 / 1.17612 - 1, 12);
  });
});

describe("the edge cases the rules name", () => {
  test("a BUY on the very last candle is bought and sold at that close: a losing trade of two fees", () => {
    const r = backtest(
      series([
        [100, "HOLD"],
        [50, "BUY"],
      ]),
      { fee: 0.01 },
    );
    expect(r.summary.trades).toBe(1);
    expect(r.summary.wins).toBe(0);
    expect(r.summary.winRate).toBe(0);
    expect(r.summary.totalReturn).toBeCloseTo(0.99 * 0.99 - 1, 12);
    expect(r.summary.maxDrawdown).toBeCloseTo(1 - 0.99 * 0.99, 12);
    expect(r.summary.exposure).toBe(1 / 2);
    expect(r.trades[0]).toMatchObject({ entryPrice: 50, exitPrice: 50, closedAtEnd: true, win: false });
    // Buy-and-hold from 100 to 50 with two fees.
    expect(r.summary.buyAndHoldReturn).toBeCloseTo(0.99 * 0.99 * 0.5 - 1, 12);
  });

  test("cash after the sale equal to the cash before the buy is not a win", () => {
    const r = backtest(
      series([
        [100, "BUY"],
        [100, "SELL"],
      ]),
      { fee: 0 },
    );
    expect(r.summary.trades).toBe(1);
    expect(r.summary.wins).toBe(0);
    expect(r.summary.totalReturn).toBe(0);
  });

  test("no BUY: no trades, win rate null, equity 1 throughout, no fees", () => {
    const r = backtest(
      series([
        [100, "SELL"],
        [120, "HOLD"],
        [80, "SELL"],
      ]),
      { fee: 0.0025 },
    );
    expect(r.summary).toMatchObject({ trades: 0, wins: 0, winRate: null, totalReturn: 0, maxDrawdown: 0 });
    expect(r.summary.exposure).toBe(0);
    expect(r.summary.feesPaid).toBe(0);
    expect([...r.equity]).toEqual([1, 1, 1]);
  });

  test("a single candle", () => {
    const r = backtest(series([[7, "HOLD"]]), { fee: 0.0025 });
    expect(r.summary.buyAndHoldReturn).toBeCloseTo(0.9975 * 0.9975 - 1, 15);
    expect(r.summary.trades).toBe(0);
  });

  test("bad input is a BacktestInputError", () => {
    expect(() => backtest([], { fee: 0.0025 })).toThrow(BacktestInputError);
    expect(() => backtest(series([[1, "BUY"]]), { fee: 1 })).toThrow(BacktestInputError);
    expect(() => backtest(series([[1, "BUY"]]), { fee: -0.1 })).toThrow(BacktestInputError);
    expect(() => backtest(series([[0, "BUY"]]), { fee: 0 })).toThrow(BacktestInputError);
    const backwards = series([
      [1, "HOLD"],
      [2, "HOLD"],
    ]).reverse();
    expect(() => backtest(backwards, { fee: 0 })).toThrow(/times must increase/);
  });

  test("progress is reported up to the total", () => {
    const seen: number[] = [];
    backtest(series(Array.from({ length: 10 }, () => [1, "HOLD"] as [number, SignalKind])), {
      fee: 0,
      progressEvery: 4,
      onProgress: (done) => seen.push(done),
    });
    expect(seen).toEqual([4, 8, 10]);
  });
});

/**
 * The same rules built another way: first the list of (entry, exit) candle indices from the signals,
 * then each trade's return as a product, then the equity curve from the trades.
 */
function reference(points: readonly SignalPoint[], F: number) {
  const pairs: Array<[number, number]> = [];
  let entry = -1;
  points.forEach((p, i) => {
    if (entry < 0 && p.signal === "BUY") entry = i;
    else if (entry >= 0 && p.signal === "SELL") {
      pairs.push([entry, i]);
      entry = -1;
    }
  });
  if (entry >= 0) pairs.push([entry, points.length - 1]);
  const close = (i: number) => at(points, i).close;
  const tradeReturns = pairs.map(([a, b]) => (1 - F) ** 2 * (close(b) / close(a)) - 1);
  const final = tradeReturns.reduce((acc, r) => acc * (1 + r), 1);
  // Equity per candle: cash before the trade times the price move since the entry (less the entry fee).
  const equity: number[] = [];
  let cash = 1;
  let k = 0;
  for (let i = 0; i < points.length; i++) {
    const pair = pairs[k];
    if (pair && i >= pair[0] && i < pair[1]) equity.push(cash * (1 - F) * (close(i) / close(pair[0])));
    else {
      if (pair && i === pair[1]) {
        cash *= (1 - F) ** 2 * (close(pair[1]) / close(pair[0]));
        k++;
      }
      equity.push(cash);
    }
  }
  let peak = 1;
  let maxDrawdown = 0;
  for (const e of equity) {
    peak = Math.max(peak, e);
    maxDrawdown = Math.max(maxDrawdown, (peak - e) / peak);
  }
  // A BUY on the last candle is a pair (n-1, n-1): one candle in a position.
  const held = pairs.reduce((sum, [a, b]) => sum + Math.max(1, b - a), 0);
  return { pairs, tradeReturns, final, maxDrawdown, exposure: held / points.length, equity };
}

describe("a recording, against the reference", () => {
  const candles = readRecording("XRPETH.udf.json");
  for (const flavor of ["talib", "pandas"] as const) {
    test(`XRPETH, ${flavor}`, () => {
      const settings = engineSettings(loadConfig({ INDICATOR_FLAVOR: flavor }));
      const points = computeSeries(settings, candles).map(({ candle, step }) => {
        if (!step.ok) throw new Error(step.detail);
        return { time: candle.openTime, close: candle.close, signal: step.signal };
      });
      for (const F of [0, 0.0025]) {
        const r = backtest(points, { fee: F });
        const ref = reference(points, F);
        expect(r.summary.trades).toBe(ref.pairs.length);
        expect(r.summary.trades).toBeGreaterThan(10);
        expect(r.trades.map((t) => [t.entryTime, t.exitTime])).toEqual(
          ref.pairs.map(([a, b]) => [at(points, a).time, at(points, b).time]),
        );
        r.trades.forEach((t, i) => {
          expect(t.return).toBeCloseTo(at(ref.tradeReturns, i), 12);
        });
        expect(r.summary.wins).toBe(ref.tradeReturns.filter((x) => x > 0).length);
        expect(r.summary.finalEquity).toBeCloseTo(ref.final, 12);
        expect(r.summary.maxDrawdown).toBeCloseTo(ref.maxDrawdown, 12);
        expect(r.summary.exposure).toBe(ref.exposure);
        ref.equity.forEach((e, i) => {
          expect(r.equity[i]).toBeCloseTo(e, 12);
        });
        const first = at(points, 0).close;
        const last = at(points, points.length - 1).close;
        expect(r.summary.buyAndHoldReturn).toBeCloseTo((1 - F) ** 2 * (last / first) - 1, 15);
      }
    });
  }
});

describe("equity chart", () => {
  test("one column per slice, highest value on the top row and lowest on the bottom row", () => {
    const rows = equityChart(Float64Array.from([1, 2, 3, 4]), 4, 4);
    expect(rows.length).toBe(4);
    expect(at(rows, 0)).toStartWith("  4.0000 ┤");
    expect(at(rows, 3)).toStartWith("  1.0000 ┤");
    // The top row: only the highest column reaches it, full.
    expect(at(rows, 0).slice(-4)).toBe("   █");
    // The bottom row: every column is drawn (the lowest with its minimum height).
    expect(at(rows, 3).slice(-4)).toMatch(/^▁███$/);
  });

  test("a flat curve still draws, halfway up a band around its value", () => {
    const rows = equityChart(Float64Array.from([1, 1, 1]), 10, 2);
    expect(rows).toEqual(["  1.5000 ┤   ", "  0.5000 ┤███"]);
  });
});
