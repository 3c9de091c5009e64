/**
 * A fixed window of the last n values with their sum, O(1) per push, undoable by one step.
 *
 * Numerics: the sum is kept as a Neumaier-compensated pair (s, c), so after millions of pushes it
 * stays within ~1 ulp of a direct recompute of the window, also for ~1e-7 prices and when a large
 * value leaves a window of tiny ones (a plain running sum would keep the large value's rounding
 * error forever). A count of non-zero values makes a window of zeros sum to exactly 0, which the
 * seed RSI relies on (rs is undefined when the average loss is exactly 0).
 */
import * as v from "valibot";

const int = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

/** The exact internal state, ring layout included (JSON round-trips doubles exactly). */
export const RollingSumStateSchema = v.pipe(
  v.object({
    period: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
    buf: v.array(v.number()),
    head: int,
    count: int,
    s: v.number(),
    c: v.number(),
    nonzero: int,
    /** The state before the last push, for `undo`; null when there is nothing to undo. */
    undo: v.nullable(
      v.object({ head: int, count: int, s: v.number(), c: v.number(), nonzero: int, old: v.number() }),
    ),
  }),
  v.check(
    (st) =>
      st.buf.length === st.period &&
      st.head < st.period &&
      st.count <= st.period &&
      st.nonzero <= st.count &&
      (st.undo === null || (st.undo.head < st.period && st.undo.count <= st.period)),
    "rolling sum state is inconsistent with its period",
  ),
);
export type RollingSumState = v.InferOutput<typeof RollingSumStateSchema>;

export class RollingSum {
  private readonly buf: Float64Array;
  /** Next slot to write; the oldest value when the window is full. */
  private head = 0;
  count = 0;
  private s = 0;
  /** Neumaier compensation: the accumulated rounding error of `s`. */
  c = 0;
  private nonzero = 0;
  // One step of undo: everything `push` changes.
  private canUndo = false;
  private uHead = 0;
  private uCount = 0;
  private uS = 0;
  private uC = 0;
  private uNonzero = 0;
  private uOld = 0;

  constructor(readonly period: number) {
    this.buf = new Float64Array(period);
  }

  get full(): boolean {
    return this.count === this.period;
  }

  /** The window's sum; exactly 0 when every value in it is 0. */
  get sum(): number {
    return this.nonzero === 0 ? 0 : this.s + this.c;
  }

  push(x: number): void {
    const head = this.head;
    const old = this.buf[head] as number;
    this.canUndo = true;
    this.uHead = head;
    this.uCount = this.count;
    this.uS = this.s;
    this.uC = this.c;
    this.uNonzero = this.nonzero;
    this.uOld = old;
    if (this.count === this.period) {
      if (old !== 0) {
        this.nonzero--;
        this.s = this.add(this.s, -old);
      }
    } else {
      this.count++;
    }
    if (x !== 0) {
      this.nonzero++;
      this.s = this.add(this.s, x);
    }
    this.buf[head] = x;
    this.head = head + 1 === this.period ? 0 : head + 1;
  }

  /** Takes back the last push (one step only); false when there is nothing to undo. */
  undo(): boolean {
    if (!this.canUndo) return false;
    this.canUndo = false;
    this.buf[this.uHead] = this.uOld;
    this.head = this.uHead;
    this.count = this.uCount;
    this.s = this.uS;
    this.c = this.uC;
    this.nonzero = this.uNonzero;
    return true;
  }

  private add(sum: number, x: number): number {
    const t = sum + x;
    this.c += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    return t;
  }

  serialise(): RollingSumState {
    return {
      period: this.period,
      buf: Array.from(this.buf),
      head: this.head,
      count: this.count,
      s: this.s,
      c: this.c,
      nonzero: this.nonzero,
      undo: this.canUndo
        ? {
            head: this.uHead,
            count: this.uCount,
            s: this.uS,
            c: this.uC,
            nonzero: this.uNonzero,
            old: this.uOld,
          }
        : null,
    };
  }

  /** Rebuilds from `serialise()` output (validate untrusted input with RollingSumStateSchema first). */
  static restore(state: RollingSumState): RollingSum {
    const r = new RollingSum(state.period);
    r.buf.set(state.buf);
    r.head = state.head;
    r.count = state.count;
    r.s = state.s;
    r.c = state.c;
    r.nonzero = state.nonzero;
    if (state.undo) {
      r.canUndo = true;
      r.uHead = state.undo.head;
      r.uCount = state.undo.count;
      r.uS = state.undo.s;
      r.uC = state.undo.c;
      r.uNonzero = state.undo.nonzero;
      r.uOld = state.undo.old;
    }
    return r;
  }
}
