/**
 * Expected answers for API tests, computed in plain JS from the rows (shared/testing/recordings.ts),
 * independently of any SQL.
 */
import type { IndicatorRow } from "@shamdan/shared/core/messages";

/**
 * The original system's numeric columns with default periods and the row field each one reads, written out
 * literally so tests check the API's mapping instead of reusing it.
 */
export const SEED_COLUMNS: [string, keyof IndicatorRow][] = [
  ["open", "open"],
  ["high", "high"],
  ["low", "low"],
  ["close", "close"],
  ["volume", "volume"],
  ["SMA_5", "sma"],
  ["EMA_10", "ema"],
  ["delta", "delta"],
  ["gain", "gain"],
  ["loss", "loss"],
  ["avg_gain_10", "avgGain"],
  ["avg_loss_10", "avgLoss"],
  ["rs", "rs"],
  ["RSI_10", "rsi"],
];

/** The four columns `/api/summarize/` reports stats of, with the row field each one reads (literal, as above). */
export const SUMMARY_COLUMNS = [
  ["close", "close"],
  ["SMA_5", "sma"],
  ["EMA_10", "ema"],
  ["RSI_10", "rsi"],
] as const;

/** Plain-JS statistics of one field over rows, nulls ignored (SQL's AVG/MAX/MIN semantics). */
export function statsOf(values: readonly (number | null)[]) {
  const xs = values.filter((x): x is number => x !== null);
  if (xs.length === 0) return { avg: null, highest: null, lowest: null };
  // Kahan-free plain sum: the comparison in tests allows a relative tolerance.
  return {
    avg: xs.reduce((a, b) => a + b, 0) / xs.length,
    highest: Math.max(...xs),
    lowest: Math.min(...xs),
  };
}
