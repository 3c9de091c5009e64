/**
 * The RSI's intermediate values, exposed because the original system's table stores them
 * (`delta, gain, loss, avg_gain_n, avg_loss_n, rs`). Each is null where undefined: delta, gain and
 * loss for the first candle; the averages and rs while warming up; rs also when avgLoss is 0.
 */
/** The RSI's values as plain fields (the engine's IndicatorValues extends them with sma and ema). */
export interface RsiValues {
  delta: number | null;
  gain: number | null;
  loss: number | null;
  avgGain: number | null;
  avgLoss: number | null;
  rs: number | null;
  rsi: number | null;
}

export interface RsiOutputs {
  readonly delta: number | null;
  readonly gain: number | null;
  readonly loss: number | null;
  readonly avgGain: number | null;
  readonly avgLoss: number | null;
  readonly rs: number | null;
  /** The RSI itself (same as `result`). */
  readonly result: number | null;
  /**
   * Writes every value above into `out` at once (the engine's hot path: one check, no recomputation)
   * and returns the RSI, NaN where it is null (a plain number for `signalOf`, nothing to unbox).
   */
  writeTo(out: RsiValues): number;
}
