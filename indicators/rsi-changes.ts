/**
 * What both RSI flavors track the same way: the close-to-close change (`delta`, and its gain and loss
 * parts), the previous close, how many values were seen, and the one-step undo of all that. Each
 * flavor adds only how the changes are averaged (`addChange`) and how that averaging is saved and
 * taken back for a replace (`keepAverages`, `undoAverages`).
 */
import * as v from "valibot";
import { StreamingIndicator } from "./indicator.ts";
import { gainOf, lossOf } from "./math.ts";
import type { RsiOutputs, RsiValues } from "./rsi-outputs.ts";

/** The serialised fields of the change tracking, shared by both RSI state schemas (and their undo). */
export const rsiChangeFields = {
  seen: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  prevClose: v.number(),
  delta: v.number(),
};
export interface RsiChangeState {
  seen: number;
  prevClose: number;
  delta: number;
}

export abstract class RsiChanges<State> extends StreamingIndicator<State> implements RsiOutputs {
  /** Values seen, capped at `seenCap` (past it only "stable or not" matters). */
  protected seen = 0;
  protected prevClose = 0;
  protected d = 0;
  protected canUndo = false;
  // The state before the last push (plain fields: the hot path stores them every candle).
  protected uSeen = 0;
  private uPrevClose = 0;
  private uDelta = 0;

  constructor(
    period: number,
    private readonly seenCap: number,
  ) {
    super("RSI", period);
  }

  /** Folds the change `d` into the averages; `seen` is the count of values before this one (>= 1). */
  protected abstract addChange(d: number, seen: number): void;
  /** Saves the averages' state before a push. */
  protected abstract keepAverages(): void;
  /** Restores what `keepAverages` saved (only called when there is something to undo). */
  protected abstract undoAverages(): void;
  /** Writes avgGain, avgLoss, rs and rsi (null while warming up); returns the rsi, NaN where null. */
  protected abstract writeAveragesTo(out: RsiValues): number;

  abstract get avgGain(): number | null;
  abstract get avgLoss(): number | null;
  abstract get rs(): number | null;

  push(x: number): void {
    const seen = this.seen;
    this.canUndo = true;
    this.uSeen = seen;
    this.uPrevClose = this.prevClose;
    this.uDelta = this.d;
    this.keepAverages();
    if (seen > 0) {
      const d = x - this.prevClose;
      this.d = d;
      this.addChange(d, seen);
    }
    this.prevClose = x;
    if (seen < this.seenCap) this.seen = seen + 1;
  }

  repush(x: number): void {
    if (this.canUndo) {
      this.undoAverages();
      this.seen = this.uSeen;
      this.prevClose = this.uPrevClose;
      this.d = this.uDelta;
    }
    this.push(x);
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

  writeTo(out: RsiValues): number {
    if (this.seen > 1) {
      const d = this.d;
      out.delta = d;
      out.gain = gainOf(d);
      out.loss = lossOf(d);
    } else {
      out.delta = out.gain = out.loss = null;
    }
    return this.writeAveragesTo(out);
  }

  protected changeState(): RsiChangeState {
    return { seen: this.seen, prevClose: this.prevClose, delta: this.d };
  }

  protected changeUndoState(): RsiChangeState {
    return { seen: this.uSeen, prevClose: this.uPrevClose, delta: this.uDelta };
  }

  /** Sets the change tracking from a restored state (and its undo step, when there is one). */
  protected restoreChanges(state: RsiChangeState, undo: RsiChangeState | null): void {
    this.seen = state.seen;
    this.prevClose = state.prevClose;
    this.d = state.delta;
    if (undo) {
      this.canUndo = true;
      this.uSeen = undo.seen;
      this.uPrevClose = undo.prevClose;
      this.uDelta = undo.delta;
    }
  }
}
