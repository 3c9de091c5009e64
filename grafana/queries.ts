/**
 * Every panel's SQL, in QuestDB's dialect, with the postgres data source's macros (see macros.ts for
 * how Grafana expands them). `$symbol` is the dashboard's single-value variable: Grafana inserts a
 * single value unquoted, so the SQL quotes it. `$__interval` is at least the panels' 1m min interval,
 * and Grafana renders it as `1m`, `5m`, `1h`, `1d`, `1w`, `1y`: all valid SAMPLE BY units in QuestDB.
 */
import { type Config, indicatorColumns } from "@shamdan/shared/config";

export type QueryConfig = Pick<Config, "QUESTDB_TABLE" | "SMA_PERIOD" | "EMA_PERIOD" | "RSI_PERIOD">;

/** Signal as a number: QuestDB's lag() window function only takes numeric arguments (SYMBOL fails). */
export const SIGNAL_CODE = "CASE signal WHEN 'BUY' THEN 1 WHEN 'SELL' THEN -1 ELSE 0 END";

export function marketQueries(config: QueryConfig) {
  const t = config.QUESTDB_TABLE;
  const c = indicatorColumns(config);
  const where = `WHERE $__timeFilter(local_time) AND stock_symbol = '$symbol'`;
  // ALIGN TO CALENDAR: buckets start on whole minutes/hours, so a 1m bucket is exactly one candle.
  const sampled = "SAMPLE BY $__interval ALIGN TO CALENDAR";
  const latest = `FROM ${t} WHERE stock_symbol = '$symbol' LATEST ON local_time PARTITION BY stock_symbol`;
  return {
    symbols: `SELECT DISTINCT stock_symbol FROM ${t} ORDER BY stock_symbol`,
    latestSignal: `SELECT local_time AS "time", signal ${latest}`,
    lastClose: `SELECT local_time AS "time", close ${latest}`,
    lastRsi: `SELECT local_time AS "time", ${c.rsi} AS "${c.rsi}" ${latest}`,
    dataAge: `SELECT datediff('s', local_time, now()) AS "age_seconds" ${latest}`,
    candles:
      `SELECT local_time AS "time", first(open) AS "open", max(high) AS "high", min(low) AS "low", ` +
      `last(close) AS "close", sum(volume) AS "volume" FROM ${t} ${where} ${sampled} ORDER BY "time"`,
    overlay:
      `SELECT local_time AS "time", last(close) AS "close", last(${c.sma}) AS "${c.sma}", ` +
      `last(${c.ema}) AS "${c.ema}" FROM ${t} ${where} ${sampled} ORDER BY "time"`,
    rsi: `SELECT local_time AS "time", last(${c.rsi}) AS "${c.rsi}" FROM ${t} ${where} ${sampled} ORDER BY "time"`,
    volume: `SELECT local_time AS "time", sum(volume) AS "volume" FROM ${t} ${where} ${sampled} ORDER BY "time"`,
    signalTimeline: `SELECT local_time AS "time", signal FROM ${t} ${where} ORDER BY local_time`,
    // One row per change of signal (the first row in range counts as a change from nothing).
    signalChanges:
      `SELECT "time", signal, CASE prev_code WHEN 1 THEN 'BUY' WHEN -1 THEN 'SELL' WHEN 0 THEN 'HOLD' END AS "previous", ` +
      `close, "${c.rsi}" FROM (SELECT local_time AS "time", signal, close, ${c.rsi} AS "${c.rsi}", code, ` +
      `lag(code) OVER (ORDER BY local_time) AS prev_code FROM (SELECT local_time, signal, close, ${c.rsi}, ` +
      `${SIGNAL_CODE} AS code FROM ${t} ${where})) WHERE prev_code IS NULL OR code != prev_code ORDER BY "time" DESC`,
  } as const;
}

export type MarketQueries = ReturnType<typeof marketQueries>;
