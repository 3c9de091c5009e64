/**
 * Test data for the API: real recorded 1-minute candles (../shared/data/README.md has their provenance)
 * run through the indicator engine, so rows carry realistic indicators, warm-up nulls and signal changes.
 * Expected answers in tests are computed from these rows in plain JS, independently of any SQL.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Config } from "@shamdan/shared/config";
import { computeSeries, engineSettings } from "@shamdan/shared/indicators/engine";
import type { IndicatorRow } from "@shamdan/shared/messages";

interface Udf {
  t: number[];
  o: number[];
  h: number[];
  l: number[];
  c: number[];
  v: number[];
}

/** The repository's copy of the recorded data when present, the team kit's otherwise. */
export function readUdf(file: string): Udf {
  const candidates = [
    new URL(`../../data/candles/${file}`, import.meta.url).pathname,
    `/work/shared/data/candles/${file}`,
  ];
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`recorded candles ${file} not found in ${candidates.join(" or ")}`);
  return JSON.parse(readFileSync(path, "utf8")) as Udf;
}

/** IndicatorRows for `symbol` from the first `count` candles of a recording. */
export function recordedRows(file: string, symbol: string, config: Config, count = Infinity): IndicatorRow[] {
  const udf = readUdf(file);
  const n = Math.min(count, udf.t.length);
  const candles = Array.from({ length: n }, (_, i) => ({
    openTime: udf.t[i] * 1000,
    open: udf.o[i],
    high: udf.h[i],
    low: udf.l[i],
    close: udf.c[i],
    volume: udf.v[i],
  }));
  const rows: IndicatorRow[] = [];
  for (const { candle, step } of computeSeries(engineSettings(config), candles)) {
    if (!step.ok) throw new Error(`recorded candle rejected: ${step.detail}`);
    rows.push({
      v: 1,
      symbol,
      ...candle,
      ...step.values,
      signal: step.signal,
      signalChanged: step.signalChanged,
      replaced: false,
    });
  }
  return rows;
}

/** Plain-JS statistics of one field over rows, nulls ignored (SQL's AVG/MAX/MIN semantics). */
export function statsOf(values: readonly (number | null)[]) {
  const xs = values.filter((x): x is number => x !== null);
  if (xs.length === 0) return { avg: null, highest: null, lowest: null };
  // Kahan-free plain sum: the comparison in tests allows a relative tolerance.
  return {
    avg: xs.reduce((a, b) => a + b, 0) / xs.length,
    highest: Math.max(...xs),
    lowest: Math.min(...xs),
  };
}
