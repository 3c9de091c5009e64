/**
 * The pure arithmetic of every indicator, shared by the streaming classes and batch code. Each
 * function copies the operation order of its reference implementation so results agree to the last
 * bits where possible: TA-Lib C (`ta_SMA.c`, `ta_EMA.c`, `ta_RSI.c`) and pandas (`ewm`, `rolling`).
 */

/** TA-Lib's `PER_TO_K`: the EMA smoothing factor k = 2 / (n + 1). */
export const emaK = (period: number): number => 2 / (period + 1);

/** TA-Lib EMA step: `((x - prev) * k) + prev`. */
export const emaStep = (prev: number, x: number, k: number): number => (x - prev) * k + prev;

/** pandas `ewm(span=n)`: com = (n - 1) / 2, alpha = 1 / (1 + com) (not literally 2 / (n + 1)). */
export const ewmAlpha = (span: number): number => 1 / (1 + (span - 1) / 2);

/**
 * pandas `ewm(adjust=False)` step (aggregations.pyx `ewm`): the weighted mean of the previous value
 * (weight 1 - alpha) and the new one (weight alpha), divided by the weight sum, and skipped when the
 * value is unchanged ("avoid numerical errors on constant series").
 */
export function ewmStep(prev: number, x: number, alpha: number): number {
  if (prev === x) return prev;
  const oldWt = 1 - alpha;
  return (oldWt * prev + alpha * x) / (oldWt + alpha);
}

/** Wilder smoothing as TA-Lib writes it: `prev *= n - 1; prev += x; prev /= n`. */
export const wilderStep = (prev: number, x: number, period: number): number =>
  (prev * (period - 1) + x) / period;

/**
 * Positive part of a change (never -0): `Math.max(delta, 0)` without branches, which mispredict
 * as often as a price goes up or not. `delta * 0` is -0 for a negative delta; `+ 0` makes it 0.
 */
export const gainOf = (delta: number): number => delta * Number(delta > 0) + 0;

/** Magnitude of the negative part of a change (never -0), without branches: exactly 0 - delta or delta - delta. */
export const lossOf = (delta: number): number => gainOf(delta) - delta;

/**
 * TA-Lib RSI: 100 * avgGain / (avgGain + avgLoss), and 0 for a flat window (both averages 0).
 * TradingView (Pine `ta.rsi`) returns 100 there instead; we keep TA-Lib's 0.
 * TA-Lib tests "both 0" with `TA_IS_ZERO` (|x| < 1e-14), which is scale-dependent and would call a
 * real but tiny-priced market flat; we test exact zero, so RSI stays scale-invariant.
 */
export function rsiTalib(avgGain: number, avgLoss: number): number {
  const total = avgGain + avgLoss;
  return total === 0 ? 0 : 100 * (avgGain / total);
}

/** rs = avgGain / avgLoss, undefined (null) when avgLoss is 0 (both flavors). */
export const rsOf = (avgGain: number, avgLoss: number): number | null =>
  avgLoss === 0 ? null : avgGain / avgLoss;

/** The pandas RSI from rs: 100 - 100 / (1 + rs). */
export const pandasRsi = (rs: number): number => 100 - 100 / (1 + rs);

/** The pandas RSI from rs, undefined when rs is. */
export const rsiFromRs = (rs: number | null): number | null => (rs === null ? null : pandasRsi(rs));
