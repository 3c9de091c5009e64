/**
 * A fixed window of the last n values with their sum, O(1) per push, undoable by one step.
 *
 * Numerics (long streams and ~1e-7 prices must match a direct recompute to ~1e-12): a plain
 * running sum (`s += x - old`) drifts, and loses everything when a large value leaves a window of
 * small ones. So the sum is recomputed directly from the window, oldest first (the same order as a
 * naive batch sum), (a) every time the ring wraps, i.e. every n pushes — amortised O(1), one extra
 * addition per push — and (b) whenever a removal cancels more than half of the sum (the removed
 * value exceeds what remains), the only case where the running sum's few roundings since the last
 * recompute could become large relative to the result. Between recomputes the error is at most a
 * few ulps per push. This measured clearly faster than Kahan/Neumaier compensation, whose dependent
 * floating-point chain dominated the engine's per-candle step (bench/indicators.bench.ts).
 * A count of non-zero values makes a window of zeros sum to exactly 0, which the pandas RSI relies on
 * (rs is undefined when the average loss is exactly 0).
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
    nonzero: int,
    /** What the last push changed, for `undo`; null when there is nothing to undo. */
    undo: v.nullable(v.object({ s: v.number(), old: v.number(), grew: v.boolean(), nonzero: int })),
  }),
  v.check(
    (st) =>
      st.buf.length === st.period && st.head < st.period && st.count <= st.period && st.nonzero <= st.count,
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
  private nonzero = 0;
  // One step of undo: the sum, the overwritten value, whether the window grew, the non-zero count.
  private canUndo = false;
  private uS = 0;
  private uOld = 0;
  private uGrew = false;
  private uNonzero = 0;

  constructor(readonly period: number) {
    this.buf = new Float64Array(period);
  }

  get full(): boolean {
    return this.count === this.period;
  }

  /** The window's sum; exactly 0 when every value in it is 0. */
  get sum(): number {
    return this.nonzero === 0 ? 0 : this.s;
  }

  push(x: number): void {
    const head = this.head;
    const buf = this.buf;
    const old = buf[head] as number;
    this.canUndo = true;
    this.uS = this.s;
    this.uOld = old;
    this.uNonzero = this.nonzero;
    let removed = 0;
    if (this.count === this.period) {
      this.uGrew = false;
      removed = old;
    } else {
      this.uGrew = true;
      this.count++;
    }
    // Without branches: about half the values in the RSI's windows are 0, which branches mispredict.
    this.nonzero += Number(x !== 0) - Number(removed !== 0);
    buf[head] = x;
    const next = head + 1 === this.period ? 0 : head + 1;
    this.head = next;
    const s = this.s + x - removed;
    // Recompute on wrap, or when the removal cancelled more than half of the sum (see the header).
    if (next === 0 || Math.abs(s) < Math.abs(removed)) this.recompute();
    else this.s = s;
  }

  /** Takes back the last push (one step only); false when there is nothing to undo. */
  undo(): boolean {
    if (!this.canUndo) return false;
    this.canUndo = false;
    const head = this.head === 0 ? this.period - 1 : this.head - 1;
    this.buf[head] = this.uOld;
    this.head = head;
    if (this.uGrew) this.count--;
    this.s = this.uS;
    this.nonzero = this.uNonzero;
    return true;
  }

  /** The window's sum computed directly, oldest first. */
  private recompute(): void {
    const buf = this.buf;
    const n = this.period;
    const start = this.count === n ? this.head : 0;
    let s = 0;
    for (let i = 0, j = start; i < this.count; i++) {
      s += buf[j] as number;
      j = j + 1 === n ? 0 : j + 1;
    }
    this.s = s;
  }

  serialise(): RollingSumState {
    return {
      period: this.period,
      buf: Array.from(this.buf),
      head: this.head,
      count: this.count,
      s: this.s,
      nonzero: this.nonzero,
      undo: this.canUndo ? { s: this.uS, old: this.uOld, grew: this.uGrew, nonzero: this.uNonzero } : null,
    };
  }

  /** Rebuilds from `serialise()` output (validate untrusted input with RollingSumStateSchema first). */
  static restore(state: RollingSumState): RollingSum {
    const r = new RollingSum(state.period);
    r.buf.set(state.buf);
    r.head = state.head;
    r.count = state.count;
    r.s = state.s;
    r.nonzero = state.nonzero;
    if (state.undo) {
      r.canUndo = true;
      r.uS = state.undo.s;
      r.uOld = state.undo.old;
      r.uGrew = state.undo.grew;
      r.uNonzero = state.undo.nonzero;
    }
    return r;
  }
}
