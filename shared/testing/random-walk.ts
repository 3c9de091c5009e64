/**
 * Realistic stored rows without a recording: a seeded random walk of 1-minute candles per symbol
 * with SMA(5), EMA(10) and Cutler RSI(10) computed alongside (nulls while warming up, BUY/SELL/HOLD
 * and signal changes). Same seed, same rows. For benchmarks and read tests that need years of data.
 */

import type { IndicatorRow, SignalKind } from "../core/messages.ts";
import { mulberry32 } from "../core/prng.ts";

const MINUTE = 60_000;

/** `count` rows of `symbol`, one a minute from `start` (epoch ms). */
export function* randomWalkRows(
  symbol: string,
  seed: number,
  start: number,
  count: number,
): Generator<IndicatorRow> {
  const random = mulberry32(seed);
  const closes: number[] = [];
  const gains: number[] = [];
  const losses: number[] = [];
  let close = 1000 + seed * 10;
  let ema: number | null = null;
  let previous: SignalKind = "HOLD";
  for (let i = 0; i < count; i++) {
    const open = close;
    close = Math.max(1, open * (1 + (random() - 0.5) * 0.004));
    const high = Math.max(open, close) * (1 + random() * 0.001);
    const low = Math.min(open, close) * (1 - random() * 0.001);
    closes.push(close);
    if (closes.length > 10) closes.shift();
    const last5 = closes.slice(-5);
    const sma = last5.length === 5 ? last5.reduce((a, b) => a + b, 0) / 5 : null;
    ema =
      ema === null
        ? closes.length === 10
          ? closes.reduce((a, b) => a + b, 0) / 10
          : null
        : ema + (close - ema) * (2 / 11);
    const delta = i === 0 ? null : close - open;
    if (delta !== null) {
      gains.push(Math.max(delta, 0));
      losses.push(Math.max(-delta, 0));
      if (gains.length > 10) {
        gains.shift();
        losses.shift();
      }
    }
    const avgGain = gains.length === 10 ? gains.reduce((a, b) => a + b, 0) / 10 : null;
    const avgLoss = losses.length === 10 ? losses.reduce((a, b) => a + b, 0) / 10 : null;
    const rs = avgGain !== null && avgLoss ? avgGain / avgLoss : null;
    const rsi = rs === null ? null : 100 - 100 / (1 + rs);
    let signal: SignalKind = "HOLD";
    if (sma !== null && ema !== null && rsi !== null) {
      if (sma > ema && rsi < 70) signal = "BUY";
      else if (sma < ema && rsi > 30) signal = "SELL";
    }
    yield {
      v: 1,
      symbol,
      openTime: start + i * MINUTE,
      open,
      high,
      low,
      close,
      volume: random() * 10,
      sma,
      ema,
      delta,
      gain: delta === null ? null : Math.max(delta, 0),
      loss: delta === null ? null : Math.max(-delta, 0),
      avgGain,
      avgLoss,
      rs,
      rsi,
      signal,
      signalChanged: i > 0 && signal !== previous,
      replaced: false,
    };
    previous = signal;
  }
}
