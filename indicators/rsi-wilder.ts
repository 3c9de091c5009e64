/**
 * RSI with Wilder smoothing, exactly as TA-Lib `RSI` (unstable period 0): the first n changes are
 * summed and divided by n (the first averages), later averages are `(prev * (n - 1) + x) / n`; the
 * first result is at index n. RSI = 100 * avgGain / (avgGain + avgLoss), 0 on a flat window
 * (TA-Lib; TradingView says 100) — see `rsiTalib` in math.ts.
 */
import * as v from "valibot";
import { gainOf, lossOf, rsiTalib, rsOf, wilderStep } from "./math.ts";
import { RsiChanges, rsiChangeFields } from "./rsi-changes.ts";
import type { RsiValues } from "./rsi-outputs.ts";

/** `seen` is capped at period + 1 (stable). */
const core = {
  ...rsiChangeFields,
  /** While warming up: the sums of gains and losses; once stable: the Wilder averages. */
  avgGain: v.number(),
  avgLoss: v.number(),
};
export const WilderRsiStateSchema = v.object({
  kind: v.literal("rsi-wilder"),
  period: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  ...core,
  undo: v.nullable(v.object(core)),
});
export type WilderRsiState = v.InferOutput<typeof WilderRsiStateSchema>;

export class WilderRSI extends RsiChanges<WilderRsiState> {
  private g = 0;
  private l = 0;
  private uGain = 0;
  private uLoss = 0;

  constructor(period: number) {
    super(period, period + 1);
  }

  protected addChange(d: number, seen: number): void {
    const n = this.period;
    if (seen <= n) {
      this.g += gainOf(d);
      this.l += lossOf(d);
      if (seen === n) {
        this.g /= n;
        this.l /= n;
      }
    } else {
      this.g = wilderStep(this.g, gainOf(d), n);
      this.l = wilderStep(this.l, lossOf(d), n);
    }
  }

  protected keepAverages(): void {
    this.uGain = this.g;
    this.uLoss = this.l;
  }

  protected undoAverages(): void {
    this.g = this.uGain;
    this.l = this.uLoss;
  }

  get isStable(): boolean {
    return this.seen > this.period;
  }

  get result(): number | null {
    return this.seen > this.period ? rsiTalib(this.g, this.l) : null;
  }

  get avgGain(): number | null {
    return this.seen > this.period ? this.g : null;
  }
  get avgLoss(): number | null {
    return this.seen > this.period ? this.l : null;
  }
  get rs(): number | null {
    return this.seen > this.period ? rsOf(this.g, this.l) : null;
  }

  protected writeAveragesTo(out: RsiValues): number {
    if (this.seen <= this.period) {
      out.avgGain = out.avgLoss = out.rs = out.rsi = null;
      return Number.NaN;
    }
    const g = this.g;
    const l = this.l;
    const rsi = rsiTalib(g, l);
    out.avgGain = g;
    out.avgLoss = l;
    out.rs = rsOf(g, l);
    out.rsi = rsi;
    return rsi;
  }

  serialise(): WilderRsiState {
    const undo = this.canUndo
      ? { ...this.changeUndoState(), avgGain: this.uGain, avgLoss: this.uLoss }
      : null;
    return {
      kind: "rsi-wilder",
      period: this.period,
      ...this.changeState(),
      avgGain: this.g,
      avgLoss: this.l,
      undo,
    };
  }

  static restore(state: WilderRsiState): WilderRSI {
    if (state.seen > state.period + 1) throw new RangeError("RSI state: seen exceeds period + 1");
    const rsi = new WilderRSI(state.period);
    rsi.restoreChanges(state, state.undo);
    rsi.g = state.avgGain;
    rsi.l = state.avgLoss;
    if (state.undo) {
      rsi.uGain = state.undo.avgGain;
      rsi.uLoss = state.undo.avgLoss;
    }
    return rsi;
  }
}
