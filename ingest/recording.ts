/**
 * Recorded candles in the Nobitex UDF shape (`DIR/<SYMBOL>.udf.json`, see data/README.md), as used
 * by the fake Nobitex server and by replay.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { ShamdanError } from "@shamdan/shared/core/errors";
import { type Candle, splitUdfCandles, UdfOkSchema } from "@shamdan/shared/core/udf";
import * as v from "valibot";
import { resolutionFromSeconds } from "./resolution.ts";

export interface Recording {
  symbol: string;
  /** UDF resolution inferred from the smallest spacing of open times ("1" for minute candles). */
  resolution: string;
  periodSeconds: number;
  candles: Candle[];
}

const SUFFIX = ".udf.json";

/** Symbols that have a recording in `dir`. */
export async function recordedSymbols(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names
    .filter((n) => n.endsWith(SUFFIX))
    .map((n) => n.slice(0, -SUFFIX.length))
    .sort();
}

/** Loads `dir/<file>.udf.json`; every candle must be valid (a recording is a fixture, not live input). */
export async function loadRecording(dir: string, file: string, limit?: number): Promise<Recording> {
  const path = join(dir, `${file}${SUFFIX}`);
  const source = Bun.file(path);
  if (!(await source.exists())) throw new ShamdanError("RECORDING_MISSING", `no recording ${path}`);
  const parsed = v.safeParse(UdfOkSchema, await source.json());
  if (!parsed.success) {
    throw new ShamdanError("RECORDING_INVALID", `${path}: ${parsed.issues[0].message}`);
  }
  const { candles, rejected } = splitUdfCandles(parsed.output);
  if (rejected.length > 0) {
    throw new ShamdanError("RECORDING_INVALID", `${path}: ${rejected.length} invalid candles`);
  }
  const kept = limit === undefined ? candles : candles.slice(0, limit);
  let period = Number.POSITIVE_INFINITY;
  for (let i = 1; i < kept.length; i++) {
    period = Math.min(period, ((kept[i] as Candle).openTime - (kept[i - 1] as Candle).openTime) / 1000);
  }
  if (!Number.isFinite(period)) period = 60;
  return { symbol: file, resolution: resolutionFromSeconds(period), periodSeconds: period, candles: kept };
}
