/**
 * Exponential moving average in the two conventions Shamdan supports:
 * - `talib`: TA-Lib `EMA` (default compatibility): seeded with the SMA of the first n values, then
 *   `(x - prev) * k + prev`, k = 2 / (n + 1). First result at index n - 1.
 * - `pandas`: `ewm(span=n, adjust=False, min_periods=n).mean()`: seeded with the FIRST value, then
 *   the pandas weighted step (see math.ts). First result at index n - 1 (min_periods).
 */
import * as v from "valibot";
import { StreamingIndicator } from "./indicator.ts";
import { emaK, emaStep, ewmAlpha, ewmStep } from "./math.ts";

export const EmaStyle = { talib: "talib", pandas: "pandas" } as const;
export type EmaStyle = (typeof EmaStyle)[keyof typeof EmaStyle];

const core = { count: v.pipe(v.number(), v.safeInteger(), v.minValue(0)), value: v.number() };
export const EmaStateSchema = v.object({
  kind: v.literal("ema"),
  style: v.picklist([EmaStyle.talib, EmaStyle.pandas]),
  period: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  /** Values seen (capped at period), and the EMA (while warming up TA-Lib style: the running sum of the first values). */
  ...core,
  undo: v.nullable(v.object(core)),
});
export type EmaState = v.InferOutput<typeof EmaStateSchema>;

export class EMA extends StreamingIndicator<EmaState> {
  private readonly k: number;
  /** The style as a boolean: the per-push test stays one check, where a string compares in several. */
  private readonly talib: boolean;
  private count = 0;
  /** The EMA once stable; before that, TA-Lib style: the running sum of the first values. */
  private value = 0;
  private canUndo = false;
  private uCount = 0;
  private uValue = 0;

  constructor(
    period: number,
    readonly style: EmaStyle = EmaStyle.talib,
  ) {
    super("EMA", period);
    this.talib = style === EmaStyle.talib;
    this.k = this.talib ? emaK(period) : ewmAlpha(period);
  }

  push(x: number): void {
    this.canUndo = true;
    this.uCount = this.count;
    this.uValue = this.value;
    const n = this.count;
    if (this.talib) {
      if (n < this.period) {
        // TA-Lib sums the first window left to right, then divides once.
        this.value += x;
        if (n + 1 === this.period) this.value /= this.period;
      } else {
        this.value = emaStep(this.value, x, this.k);
      }
    } else {
      this.value = n === 0 ? x : ewmStep(this.value, x, this.k);
    }
    if (n < this.period) this.count = n + 1;
  }

  repush(x: number): void {
    if (this.canUndo) {
      this.count = this.uCount;
      this.value = this.uValue;
    }
    this.push(x);
  }

  get result(): number | null {
    return this.count === this.period ? this.value : null;
  }

  get isStable(): boolean {
    return this.count === this.period;
  }

  serialise(): EmaState {
    return {
      kind: "ema",
      style: this.style,
      period: this.period,
      count: this.count,
      value: this.value,
      undo: this.canUndo ? { count: this.uCount, value: this.uValue } : null,
    };
  }

  static restore(state: EmaState): EMA {
    if (state.count > state.period) throw new RangeError("EMA state: count exceeds period");
    const ema = new EMA(state.period, state.style);
    ema.count = state.count;
    ema.value = state.value;
    if (state.undo) {
      ema.canUndo = true;
      ema.uCount = state.undo.count;
      ema.uValue = state.undo.value;
    }
    return ema;
  }
}
