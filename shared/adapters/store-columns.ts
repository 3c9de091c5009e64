/**
 * The table's column names, built once from the configured indicator periods. Both adapters take
 * column names ONLY from this fixed map (a whitelist): no caller-supplied text ever becomes SQL.
 *
 * Table contract (docs/contracts.md, "stock_data"), plus one addition over the original system:
 * `signal_changed BOOLEAN` — true when the row's signal differs from the previous candle's, so alerts
 * and `signals(changesOnly)` need no self-join.
 */
import { type Config, indicatorColumns } from "../core/config.ts";
import { ShamdanError } from "../core/errors.ts";
import type { IndicatorRow, SignalKind } from "../core/messages.ts";
import { NUMERIC_FIELDS, type NumericField } from "../core/store.ts";

export type ColumnNames = Readonly<Record<NumericField, string>>;

export function columnNames(config: Pick<Config, "SMA_PERIOD" | "EMA_PERIOD" | "RSI_PERIOD">): ColumnNames {
  const ind = indicatorColumns(config);
  return Object.freeze({
    open: "open",
    high: "high",
    low: "low",
    close: "close",
    volume: "volume",
    sma: ind.sma,
    ema: ind.ema,
    delta: "delta",
    gain: "gain",
    loss: "loss",
    avgGain: ind.avgGain,
    avgLoss: ind.avgLoss,
    rs: "rs",
    rsi: ind.rsi,
  });
}

/** `"SMA_5" AS sma, ...`: every numeric column under its logical name, so both adapters map rows alike. */
export function selectNumericAs(columns: ColumnNames): string {
  return NUMERIC_FIELDS.map((field) => `"${columns[field]}" AS "${field}"`).join(", ");
}

/** One stored row as both adapters select it: logical names, time as epoch ms. */
export interface StoredRecord {
  symbol: string;
  openTime: number | string | bigint;
  signal: string;
  signalChanged: boolean | number;
  [field: string]: unknown;
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function toIndicatorRow(record: StoredRecord): IndicatorRow {
  const row = {
    v: 1,
    symbol: record.symbol,
    openTime: Number(record.openTime),
    signal: record.signal as SignalKind,
    signalChanged: Boolean(record.signalChanged),
    // Not stored: a row read back is the final value of its minute, whatever it replaced.
    replaced: false,
  } as IndicatorRow;
  for (const field of NUMERIC_FIELDS) (row as Record<string, unknown>)[field] = num(record[field]);
  return row;
}

/** Epoch-ms bounds outside the JS Date range are clamped, so microsecond math stays within int64. */
const MAX_MS = 8_640_000_000_000_000;
export function clampMs(ms: number): number {
  if (Number.isNaN(ms)) throw new ShamdanError("STORE_BAD_INPUT", "time bound is not a number");
  return Math.max(-MAX_MS, Math.min(MAX_MS, Math.trunc(ms)));
}

/** Bars are aligned to epoch multiples of the interval; intervals are whole seconds. */
export function checkInterval(intervalSeconds: number): number {
  if (!Number.isSafeInteger(intervalSeconds) || intervalSeconds < 1 || intervalSeconds > 366 * 86_400)
    throw new ShamdanError(
      "STORE_BAD_INPUT",
      `interval must be whole seconds in 1..${366 * 86_400}, got ${intervalSeconds}`,
    );
  return intervalSeconds;
}

export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new ShamdanError("STORE_BAD_INPUT", `limit must be a non-negative integer, got ${limit}`);
  return limit;
}
