/**
 * What every streaming indicator offers (the trading-signals shape, issue #3 point 1):
 * - `update(x)`: a new candle's value; `replace(x)`: the last value again, changed (a re-delivered
 *   still-open candle). `replace` equals "as if the last update had been called with x": each class
 *   keeps the state before its last update (O(1)). Only one step can be replaced; a replace before
 *   any update acts as an update.
 * - `result`: null while warming up (or where undefined), never NaN.
 * - `isStable`: the warm-up is over (for RSI-seed, `result` may still be null when rs is undefined).
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
