/**
 * SQL fragments and result mapping that both adapters share, so QuestDB and SQLite answer in the
 * same shapes: numbers as numbers (int8 arrives as a string from postgres.js), nulls kept null.
 */
import type { SignalKind } from "../core/messages.ts";
import type { Aggregation, Bar, SignalEvent, Stats, Summary } from "../core/store.ts";

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

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

const stats = (row: Record<string, unknown>, alias: string): Stats => ({
  avg: num(row[`${alias}_avg`]),
  highest: num(row[`${alias}_max`]),
  lowest: num(row[`${alias}_min`]),
});

export function toSummary(row: Record<string, unknown>): Summary {
  return {
    close: stats(row, "close"),
    sma: stats(row, "sma"),
    ema: stats(row, "ema"),
    rsi: stats(row, "rsi"),
    highestGain: num(row.max_gain),
    highestLoss: num(row.max_loss),
    rows: Number(row.n ?? 0),
  };
}

export function toBar(row: Record<string, unknown>): Bar {
  return {
    openTime: Number(row.openTime),
    open: Number(row.open),
    high: Number(row.high),
    low: Number(row.low),
    close: Number(row.close),
    volume: Number(row.volume),
    sma: num(row.sma),
    ema: num(row.ema),
    rsi: num(row.rsi),
    signal: row.signal as SignalKind,
  };
}

export function toSignalEvent(row: Record<string, unknown>): SignalEvent {
  return {
    symbol: String(row.symbol),
    openTime: Number(row.openTime),
    close: Number(row.close),
    signal: row.signal as SignalKind,
    signalChanged: Boolean(row.signalChanged),
    sma: num(row.sma),
    ema: num(row.ema),
    rsi: num(row.rsi),
  };
}
