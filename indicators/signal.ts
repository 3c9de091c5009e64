/**
 * The signal rule: a crossover of the short average (SMA) over the long one (EMA), filtered by RSI.
 * Any input undefined -> HOLD; SMA > EMA and RSI < buyBelow -> BUY; SMA < EMA and RSI > sellAbove ->
 * SELL; otherwise HOLD. (The original system calls a short average above the long one with RSI not
 * overbought a BUY.)
 */
import * as v from "valibot";

export const SignalKind = { BUY: "BUY", SELL: "SELL", HOLD: "HOLD" } as const;
export type SignalKind = (typeof SignalKind)[keyof typeof SignalKind];
export const SignalSchema = v.picklist([SignalKind.BUY, SignalKind.SELL, SignalKind.HOLD]);

export interface SignalThresholds {
  rsiBuyBelow: number;
  rsiSellAbove: number;
}

export function crossoverWithRsiFilter(
  sma: number | null,
  ema: number | null,
  rsi: number | null,
  thresholds: SignalThresholds,
): SignalKind {
  return signalOf(sma ?? Number.NaN, ema ?? Number.NaN, rsi ?? Number.NaN, thresholds);
}

/**
 * The same rule on plain numbers, NaN for undefined: every comparison with NaN is false, so an
 * undefined input gives HOLD with no test of its own (the engine's hot path).
 */
export function signalOf(sma: number, ema: number, rsi: number, thresholds: SignalThresholds): SignalKind {
  if (sma > ema && rsi < thresholds.rsiBuyBelow) return SignalKind.BUY;
  if (sma < ema && rsi > thresholds.rsiSellAbove) return SignalKind.SELL;
  return SignalKind.HOLD;
}
