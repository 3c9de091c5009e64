/** Simple moving average of the last n values (TA-Lib `SMA`, pandas `rolling(n).mean()`). */
import * as v from "valibot";
import { StreamingIndicator } from "./indicator.ts";
import { RollingSum, RollingSumStateSchema } from "./rolling-sum.ts";

export const SmaStateSchema = v.object({ kind: v.literal("sma"), window: RollingSumStateSchema });
export type SmaState = v.InferOutput<typeof SmaStateSchema>;

export class SMA extends StreamingIndicator<SmaState> {
  private window: RollingSum;

  constructor(period: number) {
    super("SMA", period);
    this.window = new RollingSum(period);
  }

  push(value: number): void {
    this.window.push(value);
  }

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
