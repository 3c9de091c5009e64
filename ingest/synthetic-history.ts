/**
 * A seeded synthetic candle history on a gap-free grid, for the fake Nobitex and benchmarks that need far
 * more candles than the recordings hold (a year of minutes per symbol) without a file of them. Each
 * candle is a function of (seed, index) alone, so any page is generated without its predecessors: a
 * slow cycle, a faster one and noise, so indicators cross and signals change as on a real market.
 */
import type { Candle } from "@shamdan/shared/core/udf";

export interface SyntheticSeries {
  /** Open time (ms) of candle 0. */
  startMs: number;
  periodMs: number;
  count: number;
  seed: number;
}

/** A 32-bit integer hash of (seed, index) mapped to [0, 1). */
function unit(seed: number, index: number): number {
  let t = (Math.imul(index, 0x9e3779b1) ^ Math.imul(seed, 0x85ebca6b)) >>> 0;
  t = Math.imul(t ^ (t >>> 16), 0x7feb352d) >>> 0;
  t = Math.imul(t ^ (t >>> 15), 0x846ca68b) >>> 0;
  return ((t ^ (t >>> 16)) >>> 0) / 4_294_967_296;
}

function price(seed: number, index: number): number {
  const base = 1000 + (seed % 97) * 10;
  const phase = unit(seed, -1) * 2 * Math.PI;
  const week = Math.sin((2 * Math.PI * index) / 10_080 + phase);
  const hours = Math.sin((2 * Math.PI * index) / 240 + phase * 3);
  return base * (1 + 0.15 * week + 0.02 * hours + 0.006 * (unit(seed, index) - 0.5));
}

/** Candle `index` of the series (0 <= index < count). */
export function syntheticCandle(series: SyntheticSeries, index: number): Candle {
  const { seed } = series;
  const close = price(seed, index);
  const open = index === 0 ? close : price(seed, index - 1);
  return {
    openTime: series.startMs + index * series.periodMs,
    open,
    high: Math.max(open, close) * (1 + 0.001 * unit(seed ^ 0x1, index)),
    low: Math.min(open, close) * (1 - 0.001 * unit(seed ^ 0x2, index)),
    close,
    volume: 10 * unit(seed ^ 0x3, index),
  };
}

/** Candles `from` (inclusive) to `to` (exclusive), clamped to the series. */
export function syntheticCandles(series: SyntheticSeries, from: number, to: number): Candle[] {
  const out: Candle[] = [];
  for (let i = Math.max(0, from); i < Math.min(to, series.count); i++) out.push(syntheticCandle(series, i));
  return out;
}

/** Index of the last candle opening at or before `ms` (-1 before the series). */
export function indexAtOrBefore(series: SyntheticSeries, ms: number): number {
  return Math.min(series.count - 1, Math.floor((ms - series.startMs) / series.periodMs));
}

/** A seed per symbol derived from one seed, so every symbol's series differs. */
export function symbolSeed(seed: number, symbol: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < symbol.length; i++) h = Math.imul(h ^ symbol.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
