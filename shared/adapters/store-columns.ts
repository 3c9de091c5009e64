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
import type { IndicatorRow } from "../core/messages.ts";
import { NUMERIC_FIELDS, type NumericField } from "../core/store.ts";
import { booleanAt, numberAt, numberOrNullAt, type StoredRecord, signalAt, textAt } from "./stored-values.ts";

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

/**
 * One stored row, as both adapters select it (logical names, time as epoch ms), checked column by
 * column: a wrong type or a NULL where the row has none is a STORE_BAD_ROW naming the column.
 */
export function toIndicatorRow(record: StoredRecord): IndicatorRow {
  // One literal in a fixed key order: every row read gets the same object shape.
  return {
    v: 1,
    symbol: textAt(record, "symbol"),
    openTime: numberAt(record, "openTime"),
    signal: signalAt(record, "signal"),
    signalChanged: booleanAt(record, "signalChanged"),
    // Not stored: a row read back is the final value of its minute, whatever it replaced.
    replaced: false,
    open: numberAt(record, "open"),
    high: numberAt(record, "high"),
    low: numberAt(record, "low"),
    close: numberAt(record, "close"),
    volume: numberAt(record, "volume"),
    sma: numberOrNullAt(record, "sma"),
    ema: numberOrNullAt(record, "ema"),
    delta: numberOrNullAt(record, "delta"),
    gain: numberOrNullAt(record, "gain"),
    loss: numberOrNullAt(record, "loss"),
    avgGain: numberOrNullAt(record, "avgGain"),
    avgLoss: numberOrNullAt(record, "avgLoss"),
    rs: numberOrNullAt(record, "rs"),
    rsi: numberOrNullAt(record, "rsi"),
  };
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
