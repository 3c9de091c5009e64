/**
 * The scorecard's SQL, one statement per store: every signal change to BUY or SELL in the window is
 * joined with the candle that opened exactly 5, 15 and 60 minutes later (a missing candle, a gap or
 * one not arrived yet, leaves that horizon out for that change), then grouped per symbol and horizon:
 * how many, how many went the signal's way (BUY: the later close is higher; SELL: lower), and the mean
 * forward return in the signal's direction (BUY: later ÷ now − 1; SELL: 1 − later ÷ now).
 */
import { SCORECARD_HORIZONS_MINUTES, type ScorecardRow } from "../core/store.ts";
import { numberAt, numberOrNullAt, type StoredRecord, textAt } from "./stored-values.ts";

const MAX_HORIZON_MS = Math.max(...SCORECARD_HORIZONS_MINUTES) * 60_000;

const HIT =
  "CASE WHEN (j.signal = 'BUY' AND f.close > j.c0) OR (j.signal = 'SELL' AND f.close < j.c0) THEN 1 ELSE 0 END";
const DIRECTED = "CASE WHEN j.signal = 'BUY' THEN f.close / j.c0 - 1 ELSE 1 - f.close / j.c0 END";

/**
 * SQLite: times are epoch ms integers. Parameters: $from, $to, $until (to + the longest horizon) and,
 * with `bySymbol`, $symbol.
 */
export function sqliteScorecardSql(table: string, bySymbol: boolean): string {
  const symbol = bySymbol ? " AND stock_symbol = $symbol" : "";
  const horizons = SCORECARD_HORIZONS_MINUTES.map((m) => `(${m})`).join(", ");
  return (
    `WITH h(minutes) AS (VALUES ${horizons}), ` +
    `s AS (SELECT stock_symbol, local_time, close, signal FROM ${table} WHERE signal_changed = 1 ` +
    `AND signal IN ('BUY', 'SELL') AND local_time >= $from AND local_time < $to${symbol}), ` +
    "j AS (SELECT s.stock_symbol AS symbol, h.minutes AS horizon, s.signal AS signal, s.close AS c0, " +
    "s.local_time + h.minutes * 60000 AS at FROM s CROSS JOIN h) " +
    `SELECT j.symbol AS symbol, j.horizon AS horizon, COUNT(*) AS n, SUM(${HIT}) AS hits, AVG(${DIRECTED}) AS mean ` +
    `FROM j JOIN ${table} f ON f.stock_symbol = j.symbol AND f.local_time = j.at ` +
    "GROUP BY j.symbol, j.horizon ORDER BY j.symbol, j.horizon"
  );
}

/**
 * QuestDB: local_time is a TIMESTAMP (micros); $1 from, $2 to, $3 until, as int8 micros; $4 the symbol
 * with `bySymbol`. The later candles are read from [from, until) only, so the join stays in those
 * partitions.
 */
export function questdbScorecardSql(table: string, bySymbol: boolean): string {
  const symbol = bySymbol ? " AND stock_symbol = $4" : "";
  return questdbScorecardSelect(
    table,
    `local_time >= $1 AND local_time < $2${symbol}`,
    `local_time >= $1 AND local_time < $3${symbol}`,
  );
}

/**
 * The QuestDB statement over any filters: `changes` picks the signal candles, `later` the candles their
 * horizons may land on (Grafana's panel passes its time-range macros). The join is on a computed column
 * of a subquery: QuestDB joins columns, not expressions.
 */
export function questdbScorecardSelect(table: string, changes: string, later: string): string {
  const horizons = SCORECARD_HORIZONS_MINUTES.map(
    (m) => `SELECT ${m}L AS minutes FROM long_sequence(1)`,
  ).join(" UNION ALL ");
  return (
    `WITH s AS (SELECT stock_symbol, local_time, close, signal FROM "${table}" WHERE signal_changed = true ` +
    `AND signal IN ('BUY', 'SELL') AND ${changes}), ` +
    `f AS (SELECT stock_symbol, local_time, close FROM "${table}" WHERE ${later}), ` +
    `h AS (${horizons}), ` +
    "j AS (SELECT s.stock_symbol AS symbol, h.minutes AS horizon, s.signal AS signal, s.close AS c0, " +
    "dateadd('m', cast(h.minutes AS int), s.local_time) AS at FROM s CROSS JOIN h) " +
    `SELECT j.symbol AS symbol, j.horizon AS horizon, count() AS n, sum(${HIT}) AS hits, avg(${DIRECTED}) AS mean ` +
    "FROM j JOIN f ON j.symbol = f.stock_symbol AND j.at = f.local_time ORDER BY j.symbol, j.horizon"
  );
}

/** The end of the window the later candles are read from. */
export const scorecardUntil = (to: number): number => to + MAX_HORIZON_MS;

export function toScorecardRow(record: StoredRecord): ScorecardRow {
  const count = numberAt(record, "n");
  const hits = numberAt(record, "hits");
  return {
    symbol: textAt(record, "symbol"),
    horizonMinutes: numberAt(record, "horizon"),
    count,
    hits,
    hitRate: count > 0 ? hits / count : null,
    meanReturn: numberOrNullAt(record, "mean"),
  };
}
