/**
 * The candle every Shamdan package uses (ingest maps Nobitex's UDF columns into it, the processor and
 * the store read it), and the one OHLCV consistency rule: a candle that breaks it is refused by
 * ingest (reported, dropped) and by the engine (before it touches state), so both apply the same rule.
 */

/** One candle: open time in epoch **milliseconds** UTC. */
export interface Candle {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** What the engine takes: any candle-shaped value (an alias kept for readability at call sites). */
export type CandleInput = Candle;

export const OhlcvProblem = {
  nonFinite: "non_finite",
  negativePrice: "negative_price",
  ohlcInconsistent: "ohlc_inconsistent",
  negativeVolume: "negative_volume",
} as const;
export type OhlcvProblem = (typeof OhlcvProblem)[keyof typeof OhlcvProblem];

/**
 * Why a candle's values cannot be real, or null: every value finite, `low >= 0`,
 * `low <= min(open, close) <= max(open, close) <= high`, `volume >= 0`. The open time is not judged here.
 */
export function ohlcvProblem(c: Candle): OhlcvProblem | null {
  const values = [c.open, c.high, c.low, c.close, c.volume];
  if (!values.every(Number.isFinite)) return OhlcvProblem.nonFinite;
  if (c.low < 0) return OhlcvProblem.negativePrice;
  if (!(c.low <= Math.min(c.open, c.close) && Math.max(c.open, c.close) <= c.high))
    return OhlcvProblem.ohlcInconsistent;
  if (c.volume < 0) return OhlcvProblem.negativeVolume;
  return null;
}
