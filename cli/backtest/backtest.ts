/**
 * A long-only backtest of a signal series, by rules simple enough to redo by hand:
 *
 * - equity starts at 1, in cash; candles are taken in time order with their signal;
 * - flat: the first candle whose signal is BUY buys at its close, units = cash × (1 − F) / close;
 * - long: the first candle whose signal is SELL sells at its close, cash = units × close × (1 − F);
 *   that closes a trade, a win when the cash after the sale exceeds the cash before the buy;
 * - a position still open after the last candle is sold at the last close the same way and counted
 *   (a BUY on the very last candle is bought and sold at that close);
 * - equity at each candle = cash + units × close after that candle's trade; the closing sale at the
 *   end counts as the last candle's trade, so the last equity is the final cash;
 * - max drawdown = the largest 1 − equity ÷ (highest equity so far), the starting equity 1 included;
 * - buy-and-hold = (1 − F)² × last close ÷ first close − 1 (one buy, one sale);
 * - exposure = the share of candles that end (after their own trade, before the closing sale) in a
 *   position: a trade bought on candle i and sold on candle j holds j − i of them.
 *
 * Pure: no I/O, no clock. `onProgress` lets a caller draw a progress bar on long inputs.
 */
import type { SignalKind } from "@shamdan/indicators";

/** One candle's close and its signal; `time` is epoch ms (kept for the trades' entry and exit times). */
export interface SignalPoint {
  time: number;
  close: number;
  signal: SignalKind;
}

export interface Trade {
  entryTime: number;
  entryPrice: number;
  exitTime: number;
  exitPrice: number;
  /** Cash after the sale ÷ cash before the buy − 1, both fees included. */
  return: number;
  win: boolean;
  /** Fees of both sides, in units of the starting equity. */
  fees: number;
  /** Sold by the end-of-series rule, not by a SELL signal. */
  closedAtEnd: boolean;
}

export interface BacktestSummary {
  candles: number;
  fee: number;
  trades: number;
  wins: number;
  /** wins ÷ trades; null without trades. */
  winRate: number | null;
  /** Final equity − 1. */
  totalReturn: number;
  finalEquity: number;
  maxDrawdown: number;
  buyAndHoldReturn: number;
  /** Share of candles in a position (see the module comment). */
  exposure: number;
  /** Sum of every fee paid, in units of the starting equity. */
  feesPaid: number;
  firstTime: number;
  lastTime: number;
}

export interface BacktestResult {
  summary: BacktestSummary;
  trades: Trade[];
  /** Equity after each candle's trade, one per candle. */
  equity: Float64Array;
}

export interface BacktestOptions {
  fee: number;
  /** Called every `progressEvery` candles (default 65,536) with (done, total). */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}

export class BacktestInputError extends Error {
  override name = "BacktestInputError";
}

// One loop on purpose: the trading rules of the README in candle order, to be read against them line by line.
export function backtest(points: readonly SignalPoint[], options: BacktestOptions): BacktestResult {
  const { fee } = options;
  if (!(Number.isFinite(fee) && fee >= 0 && fee < 1))
    throw new BacktestInputError(`fee must be a number in [0, 1), got ${fee}`);
  const n = points.length;
  const first = points[0];
  const last = points[n - 1];
  if (!first || !last) throw new BacktestInputError("no candles to backtest");
  const every = options.progressEvery ?? 65_536;

  const equity = new Float64Array(n);
  const trades: Trade[] = [];
  let cash = 1;
  let units = 0;
  let feesPaid = 0;
  let inPosition = 0;
  let peak = 1;
  let maxDrawdown = 0;
  // The open trade: what it started from.
  let entryTime = 0;
  let entryPrice = 0;
  let cashBeforeBuy = 0;
  let entryFee = 0;
  let previousTime = Number.NEGATIVE_INFINITY;

  const sell = (p: SignalPoint, closedAtEnd: boolean) => {
    const gross = units * p.close;
    const exitFee = gross * fee;
    cash = gross * (1 - fee);
    units = 0;
    feesPaid += exitFee;
    trades.push({
      entryTime,
      entryPrice,
      exitTime: p.time,
      exitPrice: p.close,
      return: cash / cashBeforeBuy - 1,
      win: cash > cashBeforeBuy,
      fees: entryFee + exitFee,
      closedAtEnd,
    });
  };

  for (let i = 0; i < n; i++) {
    const p = points[i] as SignalPoint;
    if (!(Number.isFinite(p.close) && p.close > 0))
      throw new BacktestInputError(
        `candle ${i} (t=${p.time / 1000}): close must be a positive number, got ${p.close}`,
      );
    if (!(p.time > previousTime))
      throw new BacktestInputError(`candle ${i} (t=${p.time / 1000}): times must increase`);
    previousTime = p.time;

    if (units === 0 && p.signal === "BUY") {
      cashBeforeBuy = cash;
      entryFee = cash * fee;
      units = (cash * (1 - fee)) / p.close;
      cash = 0;
      feesPaid += entryFee;
      entryTime = p.time;
      entryPrice = p.close;
    } else if (units > 0 && p.signal === "SELL") {
      sell(p, false);
    }
    if (units > 0) inPosition++;
    if (i === n - 1 && units > 0) sell(p, true);

    const e = cash + units * p.close;
    equity[i] = e;
    if (e > peak) peak = e;
    const drawdown = 1 - e / peak;
    if (drawdown > maxDrawdown) maxDrawdown = drawdown;
    if (options.onProgress && (i + 1) % every === 0) options.onProgress(i + 1, n);
  }
  options.onProgress?.(n, n);

  const wins = trades.filter((t) => t.win).length;
  const finalEquity = cash;
  return {
    summary: {
      candles: n,
      fee,
      trades: trades.length,
      wins,
      winRate: trades.length > 0 ? wins / trades.length : null,
      totalReturn: finalEquity - 1,
      finalEquity,
      maxDrawdown,
      buyAndHoldReturn: ((1 - fee) * (1 - fee) * last.close) / first.close - 1,
      exposure: inPosition / n,
      feesPaid,
      firstTime: first.time,
      lastTime: last.time,
    },
    trades,
    equity,
  };
}
