/**
 * The recorded real candles in the repository's `data/candles/` (data/README.md has their provenance),
 * and IndicatorRows made from them by the streaming engine exactly as the processor makes them: for
 * tests and benchmarks that need realistic rows with warm-up nulls and signal changes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { computeSeries } from "@shamdan/indicators";
import * as v from "valibot";
import { type Config, loadConfig } from "../core/config.ts";
import { engineSettings } from "../core/engine-settings.ts";
import type { IndicatorRow } from "../core/messages.ts";
import { type Candle, UdfResponseSchema, udfToCandles } from "../core/udf.ts";

export const RECORDINGS_DIR = join(import.meta.dir, "..", "..", "data", "candles");

/** The candles of `data/candles/<file>` (e.g. "XRPETH.udf.json"), open times in epoch ms. */
export function readRecording(file: string): Candle[] {
  const json: unknown = JSON.parse(readFileSync(join(RECORDINGS_DIR, file), "utf8"));
  return udfToCandles(v.parse(UdfResponseSchema, json));
}

type EngineConfig = Parameters<typeof engineSettings>[0];

export interface RecordedRowsOptions {
  /** Indicator settings (default: the configuration defaults, talib flavor 5/10/10). */
  config?: EngineConfig;
  /** Only the first `count` candles. */
  count?: number;
  /** Moves the series in time, e.g. to end now or to overlap another symbol's range. */
  shiftMs?: number;
}

/** IndicatorRows for `symbol` from a recording, computed by the engine. */
export function recordedRows(
  file: string,
  symbol: string,
  options: RecordedRowsOptions = {},
): IndicatorRow[] {
  const config: EngineConfig = options.config ?? (loadConfig({}) as Config);
  const shiftMs = options.shiftMs ?? 0;
  const candles = readRecording(file)
    .slice(0, options.count ?? Number.POSITIVE_INFINITY)
    .map((c) => ({ ...c, openTime: c.openTime + shiftMs }));
  return computeSeries(engineSettings(config), candles).map(({ candle, step }) => {
    if (!step.ok)
      throw new Error(`recorded candle at ${candle.openTime} rejected by the engine: ${step.detail}`);
    return {
      v: 1,
      symbol,
      ...candle,
      ...step.values,
      signal: step.signal,
      signalChanged: step.signalChanged,
      replaced: false,
    } satisfies IndicatorRow;
  });
}
