/**
 * @shamdan/indicators: streaming SMA, EMA and RSI (TA-Lib or pandas formulas), the signal rule, and
 * the per-symbol engine that validates, orders, snapshots and restores them. Plain TypeScript with
 * valibot as its only dependency: no Bun, Node or browser API, so it runs anywhere JavaScript does.
 */
export { type Candle, type CandleInput, OhlcvProblem, ohlcvProblem } from "./candle.ts";
export { EMA, type EmaState, EmaStyle } from "./ema.ts";
export {
  type AcceptedStep,
  computeSeries,
  copyStep,
  type EngineSettings,
  type EngineSnapshot,
  EngineSnapshotError,
  EngineSnapshotSchema,
  type EngineStep,
  IndicatorFlavor,
  type IndicatorValues,
  noIndicatorValues,
  type RejectedStep,
  RejectReason,
  SymbolEngine,
} from "./engine.ts";
export { EngineSettingsSchema, type EngineSnapshotErrorCode } from "./engine-snapshot.ts";
export type { Indicator } from "./indicator.ts";
export { CutlerRSI, type CutlerRsiState } from "./rsi-cutler.ts";
export type { RsiValues } from "./rsi-outputs.ts";
export { WilderRSI, type WilderRsiState } from "./rsi-wilder.ts";
export { crossoverWithRsiFilter, SignalKind, SignalSchema, type SignalThresholds } from "./signal.ts";
export { SMA, type SmaState } from "./sma.ts";
