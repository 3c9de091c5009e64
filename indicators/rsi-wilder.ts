/**
 * RSI with Wilder smoothing, exactly as TA-Lib `RSI` (unstable period 0): the first n changes are
 * summed and divided by n (the seed averages), later averages are `(prev * (n - 1) + x) / n`; the
 * first result is at index n. RSI = 100 * avgGain / (avgGain + avgLoss), 0 on a flat window
 * (TA-Lib; TradingView says 100) — see `rsiTalib` in math.ts.
 */
import * as v from "valibot";
import type { Indicator } from "./indicator.ts";
import { gainOf, lossOf, rsiTalib, rsOf, wilderStep } from "./math.ts";
import type { RsiOutputs, RsiValues } from "./rsi-outputs.ts";

const core = {
  /** Values seen, capped at period + 1 (stable). */
  seen: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  prevClose: v.number(),
  delta: v.number(),
  /** While seeding: the sums of gains and losses; once stable: the Wilder averages. */
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

export class WilderRSI implements Indicator<WilderRsiState>, RsiOutputs {
  private seen = 0;
  private prevClose = 0;
  private d = 0;
  private g = 0;
  private l = 0;
  private canUndo = false;
  // The state before the last update (plain fields: the hot path stores them every candle).
  private uSeen = 0;
  private uPrevClose = 0;
  private uDelta = 0;
  private uGain = 0;
  private uLoss = 0;

  constructor(readonly period: number) {
    if (!Number.isSafeInteger(period) || period < 1)
      throw new RangeError(`RSI period must be >= 1, got ${period}`);
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
    this.uGain = this.g;
    this.uLoss = this.l;
    if (seen > 0) {
      const d = x - this.prevClose;
      this.d = d;
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
    this.prevClose = x;
    if (seen <= this.period) this.seen = seen + 1;
  }

  /** `replace` without computing the result. */
  repush(x: number): void {
    if (this.canUndo) {
      this.seen = this.uSeen;
      this.prevClose = this.uPrevClose;
      this.d = this.uDelta;
      this.g = this.uGain;
      this.l = this.uLoss;
    }
    this.push(x);
  }

  get isStable(): boolean {
    return this.seen > this.period;
  }

  get result(): number | null {
    return this.seen > this.period ? rsiTalib(this.g, this.l) : null;
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
    return this.seen > this.period ? this.g : null;
  }
  get avgLoss(): number | null {
    return this.seen > this.period ? this.l : null;
  }
  get rs(): number | null {
    return this.seen > this.period ? rsOf(this.g, this.l) : null;
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
    if (this.seen > this.period) {
      const g = this.g;
      const l = this.l;
      out.avgGain = g;
      out.avgLoss = l;
      out.rs = rsOf(g, l);
      out.rsi = rsiTalib(g, l);
    } else {
      out.avgGain = out.avgLoss = out.rs = out.rsi = null;
    }
  }

  serialise(): WilderRsiState {
    const core = {
      seen: this.seen,
      prevClose: this.prevClose,
      delta: this.d,
      avgGain: this.g,
      avgLoss: this.l,
    };
    return { kind: "rsi-wilder", period: this.period, ...core, undo: this.canUndo ? this.undoState() : null };
  }

  private undoState() {
    return {
      seen: this.uSeen,
      prevClose: this.uPrevClose,
      delta: this.uDelta,
      avgGain: this.uGain,
      avgLoss: this.uLoss,
    };
  }

  static restore(state: WilderRsiState): WilderRSI {
    if (state.seen > state.period + 1) throw new RangeError("RSI state: seen exceeds period + 1");
    const rsi = new WilderRSI(state.period);
    rsi.seen = state.seen;
    rsi.prevClose = state.prevClose;
    rsi.d = state.delta;
    rsi.g = state.avgGain;
    rsi.l = state.avgLoss;
    if (state.undo) {
      rsi.canUndo = true;
      rsi.uSeen = state.undo.seen;
      rsi.uPrevClose = state.undo.prevClose;
      rsi.uDelta = state.undo.delta;
      rsi.uGain = state.undo.avgGain;
      rsi.uLoss = state.undo.avgLoss;
    }
    return rsi;
  }
}
