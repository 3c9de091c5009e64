/**
 * The signal rule "scenario B" (DESIGN.md, issue #3 point 3), thresholds from config:
 * any input undefined -> HOLD; SMA > EMA and RSI < buyBelow -> BUY; SMA < EMA and RSI > sellAbove -> SELL;
 * otherwise HOLD. (The seed calls a short average above the long one with RSI not overbought a BUY.)
 */
import { SignalKind } from "../core/messages.ts";

export interface SignalThresholds {
  rsiBuyBelow: number;
  rsiSellAbove: number;
}

export function scenarioB(
  sma: number | null,
  ema: number | null,
  rsi: number | null,
  thresholds: SignalThresholds,
): SignalKind {
  if (sma === null || ema === null || rsi === null) return SignalKind.HOLD;
  if (sma > ema && rsi < thresholds.rsiBuyBelow) return SignalKind.BUY;
  if (sma < ema && rsi > thresholds.rsiSellAbove) return SignalKind.SELL;
  return SignalKind.HOLD;
}
