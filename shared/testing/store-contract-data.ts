/**
 * Test data for the Store contract: real recorded candles turned into IndicatorRows by the indicator
 * engine (warm-up nulls, rs null when there is no loss), and the expected answers computed here in
 * plain JS, independently of SQL.
 */
import type { IndicatorRow } from "../core/messages.ts";
import type { Aggregation, Bar, NumericField, Stats, TimeWindow } from "../core/store.ts";
import { at, first, last } from "./at.ts";
import { recordedRows } from "./recordings.ts";

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Rows for one symbol, as the processor makes them: the streaming engine (default settings: talib
 * flavor, SMA 5, EMA 10, RSI 10) over the recorded candles. `shiftMs` moves the series in time (to
 * overlap another symbol's range).
 */
export function buildRows(file: string, symbol: string, count: number, shiftMs = 0): IndicatorRow[] {
  const rows = recordedRows(file, symbol, { count, shiftMs });
  // Volumes whose decimals the original system truncated away: they must come back exactly.
  if (rows.length > 20) {
    at(rows, 7).volume = 1e-8;
    at(rows, 8).volume = 0.64692989;
    at(rows, 9).volume = 12345.678901234567;
  }
  return rows;
}

export const inWindow = (rows: readonly IndicatorRow[], w: TimeWindow): IndicatorRow[] =>
  rows.filter((r) => r.symbol === w.symbol && r.openTime >= w.from && r.openTime < w.to);

export function expectedAggregate(
  rows: readonly IndicatorRow[],
  field: NumericField,
  aggregation: Aggregation,
): number | null {
  const values = rows.map((r) => r[field]).filter((x): x is number => x !== null);
  if (values.length === 0) return null;
  if (aggregation === "avg") return mean(values);
  return aggregation === "highest" ? Math.max(...values) : Math.min(...values);
}

export const expectedStats = (rows: readonly IndicatorRow[], field: NumericField): Stats => ({
  avg: expectedAggregate(rows, field, "avg"),
  highest: expectedAggregate(rows, field, "highest"),
  lowest: expectedAggregate(rows, field, "lowest"),
});

/** OHLCV downsampling: buckets at epoch multiples of the interval, first open, max high, min low, last close, summed volume. */
export function expectedBars(rows: readonly IndicatorRow[], intervalSeconds: number): Bar[] {
  const size = intervalSeconds * 1000;
  const buckets = new Map<number, IndicatorRow[]>();
  for (const r of [...rows].sort((a, b) => a.openTime - b.openTime)) {
    const key = Math.floor(r.openTime / size) * size;
    const list = buckets.get(key) ?? [];
    list.push(r);
    buckets.set(key, list);
  }
  return [...buckets.entries()].map(([openTime, list]) => {
    const closing = last(list);
    return {
      openTime,
      open: first(list).open,
      high: Math.max(...list.map((r) => r.high)),
      low: Math.min(...list.map((r) => r.low)),
      close: closing.close,
      volume: list.reduce((a, r) => a + r.volume, 0),
      sma: closing.sma,
      ema: closing.ema,
      rsi: closing.rsi,
      signal: closing.signal,
    };
  });
}

/** Relative closeness for sums and averages: SQL engines add in their own order. */
export function near(actual: number | null, expected: number | null, relative = 1e-9): boolean {
  if (actual === null || expected === null) return actual === expected;
  return Math.abs(actual - expected) <= relative * Math.max(1, Math.abs(expected));
}
