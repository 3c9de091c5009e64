/**
 * The seed system's RSI (Cutler's: simple means, not Wilder smoothing), pandas semantics:
 * `delta = close.diff()`, gain/loss = positive part / magnitude of the negative part,
 * `avg = rolling(n).mean()` (the first row's NaN gain delays the first average to index n),
 * `rs = avg_gain / avg_loss` undefined when avg_loss is 0, `RSI = 100 - 100 / (1 + rs)`.
 * So unlike TA-Lib, RSI is null (not 100) over a window with no losses.
 */
import * as v from "valibot";
import type { Indicator } from "./indicator.ts";
import { gainOf, lossOf, rsiFromRs, rsOf } from "./math.ts";
import { RollingSum, RollingSumStateSchema } from "./rolling-sum.ts";
import type { RsiOutputs, RsiValues } from "./rsi-outputs.ts";

const core = {
  seen: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  prevClose: v.number(),
  delta: v.number(),
};
export const CutlerRsiStateSchema = v.object({
  kind: v.literal("rsi-cutler"),
  period: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  ...core,
  gains: RollingSumStateSchema,
  losses: RollingSumStateSchema,
  undo: v.nullable(v.object(core)),
});
export type CutlerRsiState = v.InferOutput<typeof CutlerRsiStateSchema>;

export class CutlerRSI implements Indicator<CutlerRsiState>, RsiOutputs {
  /** Values seen, capped at 2 (only "is there a previous close" matters). */
  private seen = 0;
  private prevClose = 0;
  private d = 0;
  private gains: RollingSum;
  private losses: RollingSum;
  private canUndo = false;
  private uSeen = 0;
  private uPrevClose = 0;
  private uDelta = 0;

  constructor(readonly period: number) {
    if (!Number.isSafeInteger(period) || period < 1)
      throw new RangeError(`RSI period must be >= 1, got ${period}`);
    this.gains = new RollingSum(period);
    this.losses = new RollingSum(period);
  }

  update(x: number): number | null {
    this.push(x);
    return this.result;
  }

  replace(x: number): number | null {
    this.repush(x);
    return this.result;
  }

  /** `update` without computing the result (the engine reads only what it needs). */
  push(x: number): void {
    const seen = this.seen;
    this.canUndo = true;
    this.uSeen = seen;
    this.uPrevClose = this.prevClose;
    this.uDelta = this.d;
    if (seen > 0) {
      const d = x - this.prevClose;
      this.d = d;
      this.gains.push(gainOf(d));
      this.losses.push(lossOf(d));
    }
    this.prevClose = x;
    if (seen < 2) this.seen = seen + 1;
  }

  /** `replace` without computing the result. */
  repush(x: number): void {
    if (this.canUndo) {
      // The windows were pushed only when there was a previous close.
      if (this.uSeen > 0) {
        this.gains.undo();
        this.losses.undo();
      }
      this.seen = this.uSeen;
      this.prevClose = this.uPrevClose;
      this.d = this.uDelta;
    }
    this.push(x);
  }

  get isStable(): boolean {
    return this.gains.full;
  }

  get result(): number | null {
    return rsiFromRs(this.rs);
  }

  get delta(): number | null {
    return this.seen > 1 ? this.d : null;
  }
  get gain(): number | null {
    return this.seen > 1 ? gainOf(this.d) : null;
  }
  get loss(): number | null {
    return this.seen > 1 ? lossOf(this.d) : null;
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

  writeTo(out: RsiValues): void {
    if (this.seen > 1) {
      const d = this.d;
      out.delta = d;
      out.gain = gainOf(d);
      out.loss = lossOf(d);
    } else {
      out.delta = out.gain = out.loss = null;
    }
    if (this.gains.full) {
      const g = this.gains.sum / this.period;
      const l = this.losses.sum / this.period;
      const rs = rsOf(g, l);
      out.avgGain = g;
      out.avgLoss = l;
      out.rs = rs;
      out.rsi = rsiFromRs(rs);
    } else {
      out.avgGain = out.avgLoss = out.rs = out.rsi = null;
    }
  }

  serialise(): CutlerRsiState {
    return {
      kind: "rsi-cutler",
      period: this.period,
      seen: this.seen,
      prevClose: this.prevClose,
      delta: this.d,
      gains: this.gains.serialise(),
      losses: this.losses.serialise(),
      undo: this.canUndo ? { seen: this.uSeen, prevClose: this.uPrevClose, delta: this.uDelta } : null,
    };
  }

  static restore(state: CutlerRsiState): CutlerRSI {
    if (state.gains.period !== state.period || state.losses.period !== state.period)
      throw new RangeError("RSI state: window periods differ from the RSI period");
    const rsi = new CutlerRSI(state.period);
    rsi.seen = state.seen;
    rsi.prevClose = state.prevClose;
    rsi.d = state.delta;
    rsi.gains = RollingSum.restore(state.gains);
    rsi.losses = RollingSum.restore(state.losses);
    if (state.undo) {
      rsi.canUndo = true;
      rsi.uSeen = state.undo.seen;
      rsi.uPrevClose = state.undo.prevClose;
      rsi.uDelta = state.undo.delta;
    }
    return rsi;
  }
}
