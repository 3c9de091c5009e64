/** Simple moving average of the last n values (TA-Lib `SMA`, pandas `rolling(n).mean()`). */
import * as v from "valibot";
import type { Indicator } from "./indicator.ts";
import { RollingSum, RollingSumStateSchema } from "./rolling-sum.ts";

export const SmaStateSchema = v.object({ kind: v.literal("sma"), window: RollingSumStateSchema });
export type SmaState = v.InferOutput<typeof SmaStateSchema>;

export class SMA implements Indicator<SmaState> {
  private window: RollingSum;

  constructor(readonly period: number) {
    if (!Number.isSafeInteger(period) || period < 1)
      throw new RangeError(`SMA period must be >= 1, got ${period}`);
    this.window = new RollingSum(period);
  }

  update(value: number): number | null {
    this.window.push(value);
    return this.result;
  }

  replace(value: number): number | null {
    this.repush(value);
    return this.result;
  }

  /** `update` without computing the result (the engine reads only what it needs). */
  push(value: number): void {
    this.window.push(value);
  }

  /** `replace` without computing the result. */
  repush(value: number): void {
    this.window.undo();
    this.window.push(value);
  }

  get result(): number | null {
    return this.window.count === this.period ? this.window.sum / this.period : null;
  }

  get isStable(): boolean {
    return this.window.count === this.period;
  }

  serialise(): SmaState {
    return { kind: "sma", window: this.window.serialise() };
  }

  static restore(state: SmaState): SMA {
    const sma = new SMA(state.window.period);
    sma.window = RollingSum.restore(state.window);
    return sma;
  }
}
