/**
 * What every streaming indicator offers (the trading-signals shape):
 * - `update(x)`: a new candle's value; `replace(x)`: the last value again, changed (a re-delivered
 *   still-open candle). `replace` equals "as if the last update had been called with x": each class
 *   keeps the state before its last update (O(1)). Only one step can be replaced; a replace before
 *   any update acts as an update.
 * - `result`: null while warming up (or where undefined), never NaN.
 * - `isStable`: the warm-up is over (for the pandas RSI, `result` may still be null when rs is undefined).
 * - `serialise()`: plain JSON-safe state, including the undo step; each class has a static `restore`.
 *
 * Inputs are trusted finite numbers: validation happens once, before state (see engine.ts).
 */
export interface Indicator<State> {
  readonly period: number;
  update(value: number): number | null;
  replace(value: number): number | null;
  readonly result: number | null;
  readonly isStable: boolean;
  serialise(): State;
}

/**
 * The part every indicator class writes the same way: the period check and `update`/`replace` as
 * `push`/`repush` plus `result`. The engine calls `push`/`repush` directly and reads only the
 * values it needs, so the hot path never computes a result twice.
 */
export abstract class StreamingIndicator<State> implements Indicator<State> {
  constructor(
    name: string,
    readonly period: number,
  ) {
    if (!Number.isSafeInteger(period) || period < 1)
      throw new RangeError(`${name} period must be >= 1, got ${period}`);
  }

  /** `update` without computing the result. */
  abstract push(value: number): void;
  /** `replace` without computing the result. */
  abstract repush(value: number): void;
  abstract get result(): number | null;
  abstract get isStable(): boolean;
  abstract serialise(): State;

  update(value: number): number | null {
    this.push(value);
    return this.result;
  }

  replace(value: number): number | null {
    this.repush(value);
    return this.result;
  }
}
