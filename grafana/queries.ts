/**
 * Every panel's SQL, in QuestDB's dialect, with the postgres data source's macros (see macros.ts for
 * how Grafana expands them). `${symbol:sqlstring}` is the dashboard's single-value variable, quoted
 * and escaped by Grafana itself (a symbol can never break out of the literal). `$__interval` is at
 * least the panels' 1m min interval, and Grafana renders it as `1m`, `5m`, `1h`, `1d`, `1w`, `1y`:
 * all valid SAMPLE BY units in QuestDB.
 */
import { questdbScorecardSelect } from "@shamdan/shared/adapters/scorecard-sql";
import { type Config, indicatorColumns } from "@shamdan/shared/core/config";

export type QueryConfig = Pick<Config, "QUESTDB_TABLE" | "SMA_PERIOD" | "EMA_PERIOD" | "RSI_PERIOD">;

/** Signal as a number: QuestDB's lag() window function only takes numeric arguments (SYMBOL fails). */
export const SIGNAL_CODE = "CASE signal WHEN 'BUY' THEN 1 WHEN 'SELL' THEN -1 ELSE 0 END";

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template.
export const SYMBOL = "${symbol:sqlstring}";

export function marketQueries(config: QueryConfig) {
  const t = config.QUESTDB_TABLE;
  const c = indicatorColumns(config);
  const where = `WHERE $__timeFilter(local_time) AND stock_symbol = ${SYMBOL}`;
  // ALIGN TO CALENDAR: buckets start on whole minutes/hours, so a 1m bucket is exactly one candle.
  const sampled = "SAMPLE BY $__interval ALIGN TO CALENDAR";
  const latest = `FROM ${t} WHERE stock_symbol = ${SYMBOL} LATEST ON local_time PARTITION BY stock_symbol`;
  // One row per change of signal (the first row in range counts as a change from nothing).
  const changes =
    `SELECT "time", signal, CASE prev_code WHEN 1 THEN 'BUY' WHEN -1 THEN 'SELL' WHEN 0 THEN 'HOLD' END AS "previous", ` +
    `close, "${c.rsi}" FROM (SELECT local_time AS "time", signal, close, ${c.rsi} AS "${c.rsi}", code, ` +
    `lag(code) OVER (ORDER BY local_time) AS prev_code FROM (SELECT local_time, signal, close, ${c.rsi}, ` +
    `${SIGNAL_CODE} AS code FROM ${t} ${where})) WHERE prev_code IS NULL OR code != prev_code`;
  const markers = (signal: "BUY" | "SELL") =>
    `SELECT "time", signal || ' (was ' || coalesce("previous", 'nothing') || '), close ' || close AS "text", ` +
    `signal AS "tags" FROM (${changes}) WHERE signal = '${signal}' ORDER BY "time"`;
  return {
    symbols: `SELECT DISTINCT stock_symbol FROM ${t} ORDER BY stock_symbol`,
    latestSignal: `SELECT local_time AS "time", signal ${latest}`,
    lastClose: `SELECT local_time AS "time", close ${latest}`,
    lastRsi: `SELECT local_time AS "time", ${c.rsi} AS "${c.rsi}" ${latest}`,
    dataAge: `SELECT datediff('s', local_time, now()) AS "age_seconds" ${latest}`,
    // Candles of a larger interval are re-aggregated; the averages are the bucket's last value, as
    // a chart of the larger interval would show them.
    candles:
      `SELECT local_time AS "time", first(open) AS "open", max(high) AS "high", min(low) AS "low", ` +
      `last(close) AS "close", sum(volume) AS "volume", last(${c.sma}) AS "${c.sma}", ` +
      `last(${c.ema}) AS "${c.ema}" FROM ${t} ${where} ${sampled} ORDER BY "time"`,
    rsi: `SELECT local_time AS "time", last(${c.rsi}) AS "${c.rsi}" FROM ${t} ${where} ${sampled} ORDER BY "time"`,
    // Gain (positive) or loss (negative) of each bucket: its close minus its open.
    gainLoss:
      `SELECT local_time AS "time", last(close) - first(open) AS "gain_loss" FROM ${t} ${where} ` +
      `${sampled} ORDER BY "time"`,
    // The original's aggregation panel: close highest / average / lowest over the time range.
    closeStats: `SELECT max(close) AS "highest", avg(close) AS "average", min(close) AS "lowest" FROM ${t} ${where}`,
    indicatorStats:
      `SELECT avg(${c.sma}) AS "${c.sma} average", avg(${c.ema}) AS "${c.ema} average", ` +
      `min(${c.rsi}) AS "${c.rsi} lowest", avg(${c.rsi}) AS "${c.rsi} average", ` +
      `max(${c.rsi}) AS "${c.rsi} highest" FROM ${t} ${where}`,
    signalTimeline: `SELECT local_time AS "time", signal FROM ${t} ${where} ORDER BY local_time`,
    signalChanges: `${changes} ORDER BY "time" DESC`,
    // The API's scorecard (/api/scorecard) for the symbol's changes in the time range; the later
    // candles may lie after the range's end.
    scorecard:
      'SELECT horizon AS "after (min)", n AS "changes", cast(hits AS double) / n AS "hit rate", ' +
      `mean AS "mean return" FROM (${questdbScorecardSelect(
        t,
        `$__timeFilter(local_time) AND stock_symbol = ${SYMBOL}`,
        `local_time >= $__timeFrom() AND stock_symbol = ${SYMBOL}`,
      )}) ORDER BY "after (min)"`,
    // Annotations (markers on the time panels), one query per colour: columns time, text, tags.
    buyMarkers: markers("BUY"),
    sellMarkers: markers("SELL"),
  } as const;
}

/** The "Overview" dashboard: every symbol at once. */
export function overviewQueries(config: QueryConfig) {
  const t = config.QUESTDB_TABLE;
  const c = indicatorColumns(config);
  return {
    latest:
      `SELECT stock_symbol AS "symbol", signal, close, ${c.rsi} AS "${c.rsi}", local_time AS "time" FROM ` +
      `(${`SELECT * FROM ${t} LATEST ON local_time PARTITION BY stock_symbol`}) ORDER BY stock_symbol`,
    // `metric` names the series: one sparkline per symbol.
    sparklines:
      `SELECT local_time AS "time", stock_symbol AS "metric", last(close) AS "close" FROM ${t} ` +
      `WHERE $__timeFilter(local_time) SAMPLE BY $__interval ALIGN TO CALENDAR ORDER BY "time"`,
  } as const;
}

export type MarketQueries = ReturnType<typeof marketQueries>;
