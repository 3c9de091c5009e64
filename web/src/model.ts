/**
 * The chart page's data model, independent of the DOM: API shapes, bars keyed by open time, the
 * markers where the signal changed, and how a live row updates the bars.
 */

import type { Candle } from "@shamdan/indicators";
export type Signal = "BUY" | "SELL" | "HOLD";

export interface SymbolInfo {
  symbol: string;
  configured: boolean;
  last_candle_time: string | null;
  last_open_time: number | null;
  latest_signal: Signal | null;
  rows: number;
}

/** A candle as `/api/candles` returns it; indicator columns are named after their periods (SMA_5...). */
export interface ApiCandle {
  time: string;
  open_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  signal: Signal;
  [indicator: string]: number | string | null;
}

/** `event: row` of `/api/signals/stream` (and `/api/signals/latest` entries, without OHLV). */
export interface StreamRow {
  symbol: string;
  time: string;
  open_time: number;
  open?: number;
  high?: number;
  low?: number;
  volume?: number;
  close: number;
  signal: Signal;
  signal_changed: boolean;
  [indicator: string]: number | string | boolean | null | undefined;
}

/** A candle as the chart draws it: the OHLCV candle with the indicators of its last stored minute. */
export interface Bar extends Candle {
  sma: number | null;
  ema: number | null;
  rsi: number | null;
  signal: Signal;
}

export interface IndicatorNames {
  sma: string;
  ema: string;
  rsi: string;
}

/** The configured periods show in the column names (SMA_5, EMA_10, RSI_10); find them in a row. */
export function indicatorNames(row: object): IndicatorNames {
  const keys = Object.keys(row);
  const find = (prefix: string) => keys.find((k) => k.startsWith(`${prefix}_`)) ?? `${prefix}`;
  return { sma: find("SMA"), ema: find("EMA"), rsi: find("RSI") };
}

const num = (value: unknown): number | null => (typeof value === "number" ? value : null);

export function toBar(row: ApiCandle | StreamRow, names: IndicatorNames): Bar {
  return {
    openTime: row.open_time,
    open: row.open ?? row.close,
    high: row.high ?? row.close,
    low: row.low ?? row.close,
    close: row.close,
    volume: row.volume ?? 0,
    sma: num(row[names.sma]),
    ema: num(row[names.ema]),
    rsi: num(row[names.rsi]),
    signal: row.signal,
  };
}

export type Change = "appended" | "updated" | "corrected" | "ignored";

/**
 * Applies a live 1-minute row to the bars: the forming candle (same open time) is replaced, a newer one
 * is appended, a late correction of a recent closed candle replaces it. Rows older than what is drawn
 * (a resumed stream replays a little) or not on the chart are ignored.
 */
export function applyRow(bars: Bar[], bar: Bar): Change {
  const last = bars.at(-1);
  if (!last || bar.openTime > last.openTime) {
    bars.push(bar);
    return "appended";
  }
  if (bar.openTime === last.openTime) {
    bars[bars.length - 1] = bar;
    return "updated";
  }
  // Corrections concern the last few candles; a longer search would only find replayed history.
  for (let i = bars.length - 2; i >= Math.max(0, bars.length - 10); i--) {
    const known = bars[i] as Bar;
    if (known.openTime === bar.openTime) {
      if (sameBar(known, bar)) return "ignored";
      bars[i] = bar;
      return "corrected";
    }
    if (known.openTime < bar.openTime) break;
  }
  return "ignored";
}

function sameBar(a: Bar, b: Bar): boolean {
  return (
    a.open === b.open &&
    a.high === b.high &&
    a.low === b.low &&
    a.close === b.close &&
    a.volume === b.volume &&
    a.signal === b.signal &&
    a.sma === b.sma &&
    a.ema === b.ema &&
    a.rsi === b.rsi
  );
}

/** Merges a refetched tail of bars (coarse intervals recompute their forming bar on the server). */
export function mergeTail(bars: Bar[], tail: readonly Bar[]): void {
  const first = tail[0];
  if (!first) return;
  let cut = bars.length;
  while (cut > 0 && (bars[cut - 1] as Bar).openTime >= first.openTime) cut--;
  bars.splice(cut, bars.length - cut, ...tail);
}

export interface Marker {
  openTime: number;
  signal: "BUY" | "SELL";
}

/** A BUY or SELL marker at each bar whose signal differs from the bar before (changes to HOLD get none). */
export function markersOf(bars: readonly Bar[]): Marker[] {
  const out: Marker[] = [];
  for (let i = 1; i < bars.length; i++) {
    const bar = bars[i] as Bar;
    const before = bars[i - 1] as Bar;
    if (bar.signal !== before.signal && bar.signal !== "HOLD")
      out.push({ openTime: bar.openTime, signal: bar.signal });
  }
  return out;
}

/** Close minus the previous bar's close: the gain (positive) or loss (negative) bars. */
export function gainLoss(bars: readonly Bar[], i: number): number | null {
  const before = bars[i - 1];
  const bar = bars[i];
  return before && bar ? bar.close - before.close : null;
}

/** Intervals the page offers, in seconds, and how far back each loads (about 1,000-1,500 bars). */
export const INTERVALS = {
  "1m": 60,
  "5m": 300,
  "15m": 900,
  "1h": 3600,
  "4h": 14_400,
  "1d": 86_400,
} as const;
export type Interval = keyof typeof INTERVALS;

export function windowMs(interval: Interval): number {
  const day = 86_400_000;
  // The API's default window is a day; a year is its largest unless configured otherwise.
  return Math.min(INTERVALS[interval] * 1000 * 1440, 364 * day);
}

/** `/api/scorecard`: how the signal changes did 5, 15 and 60 minutes later. */
export interface ScorecardAnswer {
  horizons_minutes: number[];
  scorecard: Array<{
    symbol: string;
    horizon_minutes: number;
    count: number;
    hits: number;
    hit_rate: number | null;
    mean_return: number | null;
  }>;
}

/**
 * One row per horizon for `symbol`: after, changes measured, hit rate, mean return in the signal's
 * direction. A horizon without a measured change shows 0 and dashes.
 */
export function scorecardRows(answer: ScorecardAnswer, symbol: string): string[][] {
  const percent = (x: number | null, digits: number, signed = false) =>
    x === null ? "–" : `${signed && x > 0 ? "+" : ""}${(x * 100).toFixed(digits)}%`;
  return answer.horizons_minutes.map((h) => {
    const row = answer.scorecard.find((r) => r.symbol === symbol && r.horizon_minutes === h);
    return [
      h >= 60 && h % 60 === 0 ? `${h / 60} h` : `${h} min`,
      String(row?.count ?? 0),
      percent(row?.hit_rate ?? null, 0),
      percent(row?.mean_return ?? null, 3, true),
    ];
  });
}
