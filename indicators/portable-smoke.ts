/**
 * The workload the portability test runs on every runtime (Bun from source, Node and Deno from the
 * browser bundle): both flavors, re-delivered open candles (replace), a rejected candle, and a
 * snapshot restored from JSON mid-series. It takes the package as an argument instead of importing
 * it, so the very same code drives the source and the bundle.
 */
import type * as Indicators from "./index.ts";

export interface SmokeResult {
  flavor: string;
  steps: unknown[];
  snapshot: unknown;
  afterRestore: unknown[];
}

export function exercise(lib: typeof Indicators, candles: readonly Indicators.Candle[]): SmokeResult[] {
  const half = Math.floor(candles.length / 2);
  return (["talib", "pandas"] as const).map((flavor) => {
    const settings = {
      flavor,
      smaPeriod: 5,
      emaPeriod: 10,
      rsiPeriod: 10,
      rsiBuyBelow: 70,
      rsiSellAbove: 30,
    };
    const steps = lib.computeSeries(settings, candles).map(({ step }) => step);
    const engine = new lib.SymbolEngine(settings);
    for (const c of candles.slice(0, half)) engine.next(c);
    // What the processor does after a crash: JSON out, JSON in, go on.
    const restored = lib.SymbolEngine.restore(settings, JSON.parse(JSON.stringify(engine.snapshot())));
    const afterRestore = candles.slice(half).map((c) => lib.copyStep(restored.next(c)));
    return { flavor, steps, snapshot: restored.snapshot(), afterRestore };
  });
}
