/**
 * The RSI's intermediate values, exposed because the seed's table stores them
 * (`delta, gain, loss, avg_gain_n, avg_loss_n, rs`). Each is null where undefined: delta, gain and
 * loss for the first candle; the averages and rs while warming up; rs also when avgLoss is 0.
 */
export interface RsiOutputs {
  readonly delta: number | null;
  readonly gain: number | null;
  readonly loss: number | null;
  readonly avgGain: number | null;
  readonly avgLoss: number | null;
  readonly rs: number | null;
  /** The RSI itself (same as `result`). */
  readonly result: number | null;
}
