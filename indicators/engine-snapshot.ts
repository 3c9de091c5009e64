/**
 * The versioned, JSON-safe snapshot of a SymbolEngine (what the processor stores to recover after a
 * crash). Doubles survive JSON exactly (shortest round-trip printing), so restore is bit-exact.
 * Restoring validates the whole shape and its consistency: a corrupt snapshot is an error, never
 * silently half-restored state.
 */
import * as v from "valibot";
import { EmaStateSchema } from "./ema.ts";
import { CutlerRsiStateSchema } from "./rsi-cutler.ts";
import { WilderRsiStateSchema } from "./rsi-wilder.ts";
import { SignalSchema } from "./signal.ts";
import { SmaStateSchema } from "./sma.ts";

/**
 * Which formulas the engine runs: `talib` (TA-Lib/TradingView) or `pandas` (the original system's
 * pandas formulas). Snapshots taken when `pandas` was called `seed` still restore (see the schema).
 */
export const IndicatorFlavor = { talib: "talib", pandas: "pandas" } as const;
export type IndicatorFlavor = (typeof IndicatorFlavor)[keyof typeof IndicatorFlavor];

export interface EngineSettings {
  flavor: IndicatorFlavor;
  smaPeriod: number;
  emaPeriod: number;
  rsiPeriod: number;
  rsiBuyBelow: number;
  rsiSellAbove: number;
}

export type EngineSnapshotErrorCode = "ENGINE_SNAPSHOT_INVALID" | "ENGINE_SNAPSHOT_MISMATCH";

/** A snapshot that cannot be restored. Never worth retrying: the state must be rebuilt from history. */
export class EngineSnapshotError extends Error {
  readonly canRetry = false;
  constructor(
    readonly code: EngineSnapshotErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "EngineSnapshotError";
  }
}

const period = v.pipe(v.number(), v.safeInteger(), v.minValue(1));
const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

export const EngineSettingsSchema = v.object({
  flavor: v.pipe(
    v.picklist([IndicatorFlavor.talib, IndicatorFlavor.pandas, "seed"]),
    v.transform((f): IndicatorFlavor => (f === "seed" ? IndicatorFlavor.pandas : f)),
  ),
  smaPeriod: period,
  emaPeriod: period,
  rsiPeriod: period,
  rsiBuyBelow: v.pipe(v.number(), v.finite()),
  rsiSellAbove: v.pipe(v.number(), v.finite()),
});

export const EngineSnapshotSchema = v.pipe(
  v.object({
    v: v.literal(1),
    settings: EngineSettingsSchema,
    lastOpenTime: v.nullable(count),
    signal: SignalSchema,
    prevSignal: SignalSchema,
    sma: SmaStateSchema,
    ema: EmaStateSchema,
    rsi: v.variant("kind", [WilderRsiStateSchema, CutlerRsiStateSchema]),
    rejected: v.object({ out_of_order: count, invalid_candle: count }),
  }),
  v.check((s) => {
    const pandas = s.settings.flavor === IndicatorFlavor.pandas;
    return (
      s.sma.window.period === s.settings.smaPeriod &&
      s.ema.period === s.settings.emaPeriod &&
      s.ema.style === (pandas ? "pandas" : "talib") &&
      s.rsi.period === s.settings.rsiPeriod &&
      s.rsi.kind === (pandas ? "rsi-cutler" : "rsi-wilder")
    );
  }, "indicator states do not match the snapshot's settings"),
);
export type EngineSnapshot = v.InferOutput<typeof EngineSnapshotSchema>;

export function parseSnapshot(input: unknown): EngineSnapshot {
  const result = v.safeParse(EngineSnapshotSchema, input);
  if (result.success) return result.output;
  const problems = result.issues.map((i) => `${v.getDotPath(i) ?? "(snapshot)"}: ${i.message}`).join("; ");
  throw new EngineSnapshotError("ENGINE_SNAPSHOT_INVALID", `invalid engine snapshot: ${problems}`);
}
