/**
 * SQL fragments and result mapping that both adapters share, so QuestDB and SQLite answer in the
 * same shapes: numbers as numbers (int8 arrives as a string from postgres.js), nulls kept null, every
 * value checked (stored-values.ts).
 */
import type { Aggregation, Bar, SignalEvent, Stats, Summary, SymbolInfo } from "../core/store.ts";
import { booleanAt, numberAt, numberOrNullAt, type StoredRecord, signalAt, textAt } from "./stored-values.ts";

const SQL_AGGREGATE: Record<Aggregation, string> = { avg: "AVG", highest: "MAX", lowest: "MIN" };

/** Fixed map: an Aggregation never reaches SQL as text of its own. */
export const sqlAggregate = (aggregation: Aggregation): string => {
  const fn = SQL_AGGREGATE[aggregation];
  if (fn === undefined) throw new Error(`unknown aggregation ${String(aggregation)}`);
  return fn;
};

/** `AVG("close") AS close_avg, MAX(...) AS close_max, MIN(...) AS close_min` */
export const statsOf = (alias: string, column: string): string =>
  `AVG("${column}") AS ${alias}_avg, MAX("${column}") AS ${alias}_max, MIN("${column}") AS ${alias}_min`;

const stats = (row: StoredRecord, alias: string): Stats => ({
  avg: numberOrNullAt(row, `${alias}_avg`),
  highest: numberOrNullAt(row, `${alias}_max`),
  lowest: numberOrNullAt(row, `${alias}_min`),
});

/** The summary query's one row; an aggregate over no rows is NULLs and a count of 0. */
export function toSummary(row: StoredRecord): Summary {
  return {
    close: stats(row, "close"),
    sma: stats(row, "sma"),
    ema: stats(row, "ema"),
    rsi: stats(row, "rsi"),
    highestGain: numberOrNullAt(row, "max_gain"),
    highestLoss: numberOrNullAt(row, "max_loss"),
    rows: numberAt(row, "n"),
  };
}

export function toBar(row: StoredRecord): Bar {
  return {
    openTime: numberAt(row, "openTime"),
    open: numberAt(row, "open"),
    high: numberAt(row, "high"),
    low: numberAt(row, "low"),
    close: numberAt(row, "close"),
    volume: numberAt(row, "volume"),
    sma: numberOrNullAt(row, "sma"),
    ema: numberOrNullAt(row, "ema"),
    rsi: numberOrNullAt(row, "rsi"),
    signal: signalAt(row, "signal"),
  };
}

export function toSignalEvent(row: StoredRecord): SignalEvent {
  return {
    symbol: textAt(row, "symbol"),
    openTime: numberAt(row, "openTime"),
    close: numberAt(row, "close"),
    signal: signalAt(row, "signal"),
    signalChanged: booleanAt(row, "signalChanged"),
    sma: numberOrNullAt(row, "sma"),
    ema: numberOrNullAt(row, "ema"),
    rsi: numberOrNullAt(row, "rsi"),
  };
}

/** `Store.symbols()`'s rows: the latest row of each symbol, and how many it has. */
export function toSymbolInfo(row: StoredRecord, rows: number): SymbolInfo {
  return {
    symbol: textAt(row, "symbol"),
    lastOpenTime: numberAt(row, "lastOpenTime"),
    latestSignal: signalAt(row, "latestSignal"),
    rows,
  };
}
