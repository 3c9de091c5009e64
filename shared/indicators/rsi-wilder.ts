/**
 * RSI with Wilder smoothing, exactly as TA-Lib `RSI` (unstable period 0): the first n changes are
 * summed and divided by n (the seed averages), later averages are `(prev * (n - 1) + x) / n`; the
 * first result is at index n. RSI = 100 * avgGain / (avgGain + avgLoss), 0 on a flat window
 * (TA-Lib; TradingView says 100) — see `rsiTalib` in math.ts.
 */
import * as v from "valibot";
import type { Indicator } from "./indicator.ts";
import { gainOf, lossOf, rsiTalib, rsOf, wilderStep } from "./math.ts";
import type { RsiOutputs } from "./rsi-outputs.ts";

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
  private u = { seen: 0, prevClose: 0, delta: 0, avgGain: 0, avgLoss: 0 };

  constructor(readonly period: number) {
    if (!Number.isSafeInteger(period) || period < 1)
      throw new RangeError(`RSI period must be >= 1, got ${period}`);
  }

  update(x: number): number | null {
    const u = this.u;
    const seen = this.seen;
    this.canUndo = true;
    u.seen = seen;
    u.prevClose = this.prevClose;
    u.delta = this.d;
    u.avgGain = this.g;
    u.avgLoss = this.l;
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
    return this.result;
  }

  replace(x: number): number | null {
    if (this.canUndo) {
      const u = this.u;
      this.seen = u.seen;
      this.prevClose = u.prevClose;
      this.d = u.delta;
      this.g = u.avgGain;
      this.l = u.avgLoss;
    }
    return this.update(x);
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

  serialise(): WilderRsiState {
    const core = {
      seen: this.seen,
      prevClose: this.prevClose,
      delta: this.d,
      avgGain: this.g,
      avgLoss: this.l,
    };
    return { kind: "rsi-wilder", period: this.period, ...core, undo: this.canUndo ? { ...this.u } : null };
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
      rsi.u = { ...state.undo };
    }
    return rsi;
  }
}
