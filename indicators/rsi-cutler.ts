/**
 * The original system's RSI (Cutler's: simple means, not Wilder smoothing), pandas semantics:
 * `delta = close.diff()`, gain/loss = positive part / magnitude of the negative part,
 * `avg = rolling(n).mean()` (the first row's NaN gain delays the first average to index n),
 * `rs = avg_gain / avg_loss` undefined when avg_loss is 0, `RSI = 100 - 100 / (1 + rs)`.
 * So unlike TA-Lib, RSI is null (not 100) over a window with no losses.
 */
import * as v from "valibot";
import { gainOf, lossOf, pandasRsi, rsiFromRs, rsOf } from "./math.ts";
import { RollingSum, RollingSumStateSchema } from "./rolling-sum.ts";
import { RsiChanges, rsiChangeFields } from "./rsi-changes.ts";
import type { RsiValues } from "./rsi-outputs.ts";

export const CutlerRsiStateSchema = v.object({
  kind: v.literal("rsi-cutler"),
  period: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  ...rsiChangeFields,
  gains: RollingSumStateSchema,
  losses: RollingSumStateSchema,
  undo: v.nullable(v.object(rsiChangeFields)),
});
export type CutlerRsiState = v.InferOutput<typeof CutlerRsiStateSchema>;

export class CutlerRSI extends RsiChanges<CutlerRsiState> {
  private gains: RollingSum;
  private losses: RollingSum;

  constructor(period: number) {
    // Only "is there a previous close" matters, so `seen` is capped at 2.
    super(period, 2);
    this.gains = new RollingSum(period);
    this.losses = new RollingSum(period);
  }

  protected addChange(d: number): void {
    this.gains.push(gainOf(d));
    this.losses.push(lossOf(d));
  }

  // The windows keep their own undo step.
  protected keepAverages(): void {}

  protected undoAverages(): void {
    // The windows were pushed only when there was a previous close.
    if (this.uSeen > 0) {
      this.gains.undo();
      this.losses.undo();
    }
  }

  get isStable(): boolean {
    return this.gains.full;
  }

  get result(): number | null {
    return rsiFromRs(this.rs);
  }

  get avgGain(): number | null {
    return this.gains.full ? this.gains.sum / this.period : null;
  }
  get avgLoss(): number | null {
    return this.losses.full ? this.losses.sum / this.period : null;
  }
  get rs(): number | null {
    return this.gains.full ? rsOf(this.gains.sum / this.period, this.losses.sum / this.period) : null;
  }

  protected writeAveragesTo(out: RsiValues): number {
    if (!this.gains.full) {
      out.avgGain = out.avgLoss = out.rs = out.rsi = null;
      return Number.NaN;
    }
    const g = this.gains.sum / this.period;
    const l = this.losses.sum / this.period;
    out.avgGain = g;
    out.avgLoss = l;
    // rsOf's and rsiFromRs' rule (no losses: both undefined) on plain numbers, so no null is boxed.
    if (l === 0) {
      out.rs = out.rsi = null;
      return Number.NaN;
    }
    const rs = g / l;
    const rsi = pandasRsi(rs);
    out.rs = rs;
    out.rsi = rsi;
    return rsi;
  }

  serialise(): CutlerRsiState {
    return {
      kind: "rsi-cutler",
      period: this.period,
      ...this.changeState(),
      gains: this.gains.serialise(),
      losses: this.losses.serialise(),
      undo: this.canUndo ? this.changeUndoState() : null,
    };
  }

  static restore(state: CutlerRsiState): CutlerRSI {
    if (state.gains.period !== state.period || state.losses.period !== state.period)
      throw new RangeError("RSI state: window periods differ from the RSI period");
    const rsi = new CutlerRSI(state.period);
    rsi.restoreChanges(state, state.undo);
    rsi.gains = RollingSum.restore(state.gains);
    rsi.losses = RollingSum.restore(state.losses);
    return rsi;
  }
}
