/**
 * Alert rules in Grafana's file-provisioning format (apiVersion 1, `groups`), see alerting-schema.ts.
 * Each rule: A = SQL on QuestDB (time_series: `stock_symbol` and other text columns become labels, so
 * one alert instance per symbol), B = reduce(last), C = threshold on B (the condition).
 * Grafana keeps the query model raw (macros such as $__timeFilter survive provisioning), while
 * labels are env-interpolated: no `$` in labels; annotations may use {{ $labels.x }} / {{ $values.B }}.
 */
import type { Config } from "@shamdan/shared/config";
import { indicatorColumns } from "@shamdan/shared/config";
import { MARKET_DASHBOARD_UID, PANEL } from "./dashboards.ts";
import { QUESTDB_DATASOURCE } from "./datasource.ts";
import { SIGNAL_CODE } from "./queries.ts";

export type AlertConfig = Pick<
  Config,
  | "QUESTDB_TABLE"
  | "SYMBOLS"
  | "SMA_PERIOD"
  | "EMA_PERIOD"
  | "RSI_PERIOD"
  | "RSI_BUY_BELOW"
  | "RSI_SELL_ABOVE"
>;

export const ALERT_FOLDER = "Shamdan";
export const STALE_AFTER_MINUTES = 5;

type Evaluator = { type: "gt" | "lt" | "outside_range" | "within_range"; params: number[] };

interface RuleSpec {
  uid: string;
  title: string;
  sql: string;
  /** Seconds of history the query sees ($__timeFilter expands to now-from .. now). */
  lookbackSeconds: number;
  evaluator: Evaluator;
  noDataState: "NoData" | "Alerting" | "OK";
  panelId: number;
  summary: string;
  description: string;
  severity: "info" | "warning" | "critical";
  /** Routing key for the notification policy (signal | health | indicator). */
  kind: "signal" | "health" | "indicator";
}

function rule(spec: RuleSpec) {
  const expr = { type: "__expr__", uid: "__expr__" } as const;
  return {
    uid: spec.uid,
    title: spec.title,
    condition: "C",
    data: [
      {
        refId: "A",
        relativeTimeRange: { from: spec.lookbackSeconds, to: 0 },
        datasourceUid: QUESTDB_DATASOURCE.uid,
        model: {
          refId: "A",
          datasource: { ...QUESTDB_DATASOURCE },
          rawSql: spec.sql,
          format: "time_series",
          rawQuery: true,
          editorMode: "code",
          intervalMs: 60_000,
          maxDataPoints: 43_200,
        },
      },
      {
        refId: "B",
        relativeTimeRange: { from: 0, to: 0 },
        datasourceUid: "__expr__",
        model: {
          refId: "B",
          datasource: expr,
          type: "reduce",
          expression: "A",
          reducer: "last",
          settings: { mode: "dropNN" },
        },
      },
      {
        refId: "C",
        relativeTimeRange: { from: 0, to: 0 },
        datasourceUid: "__expr__",
        model: {
          refId: "C",
          datasource: expr,
          type: "threshold",
          expression: "B",
          conditions: [{ evaluator: spec.evaluator }],
        },
      },
    ],
    dashboardUid: MARKET_DASHBOARD_UID,
    panelId: spec.panelId,
    noDataState: spec.noDataState,
    execErrState: "Error",
    for: "0s",
    annotations: { summary: spec.summary, description: spec.description },
    labels: { service: "shamdan", severity: spec.severity, kind: spec.kind },
    isPaused: false,
  };
}

/** The SQL of every rule, keyed by rule uid (the integration test runs each against QuestDB). */
export function alertQueries(config: AlertConfig) {
  const t = config.QUESTDB_TABLE;
  const { rsi } = indicatorColumns(config);
  const symbols = config.SYMBOLS.map((s) => `'${s}'`).join(", ");
  return {
    // Latest candle per symbol, 1 when its signal is BUY/SELL and differs from the candle before.
    "shamdan-signal-change":
      `WITH s AS (SELECT local_time, stock_symbol, signal, ${SIGNAL_CODE} AS code, lag(${SIGNAL_CODE}) ` +
      `OVER (PARTITION BY stock_symbol ORDER BY local_time) AS prev_code FROM ${t} WHERE $__timeFilter(local_time)) ` +
      `SELECT local_time AS "time", stock_symbol, signal, CASE WHEN code != 0 AND prev_code IS NOT NULL AND ` +
      `code != prev_code THEN 1 ELSE 0 END AS "changed" FROM s LATEST ON local_time PARTITION BY stock_symbol`,
    // LATEST ON reads backwards from the newest partition: cheap however long the table is.
    "shamdan-stale-data":
      `SELECT now() AS "time", stock_symbol, datediff('s', local_time, now()) / 60.0 AS "minutes_since_last_candle" ` +
      `FROM ${t} WHERE stock_symbol IN (${symbols}) LATEST ON local_time PARTITION BY stock_symbol`,
    "shamdan-rsi-extreme":
      `SELECT local_time AS "time", stock_symbol, ${rsi} AS "${rsi}" FROM ${t} ` +
      `WHERE $__timeFilter(local_time) AND ${rsi} IS NOT NULL ORDER BY local_time`,
  } as const;
}

/** `provisioning/alerting/rules.yaml`. */
export function alertRules(config: AlertConfig) {
  const q = alertQueries(config);
  const { rsi } = indicatorColumns(config);
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: "market",
        folder: ALERT_FOLDER,
        interval: "1m",
        rules: [
          rule({
            uid: "shamdan-signal-change",
            title: "Signal changed to BUY or SELL",
            sql: q["shamdan-signal-change"],
            lookbackSeconds: 900,
            evaluator: { type: "gt", params: [0] },
            noDataState: "OK",
            panelId: PANEL.changes,
            severity: "info",
            kind: "signal",
            summary: "{{ $labels.stock_symbol }}: signal changed to {{ $labels.signal }}",
            description:
              "The newest candle of {{ $labels.stock_symbol }} turned the signal to {{ $labels.signal }}.",
          }),
          rule({
            uid: "shamdan-stale-data",
            title: `No candle for ${STALE_AFTER_MINUTES} minutes`,
            sql: q["shamdan-stale-data"],
            lookbackSeconds: 600,
            evaluator: { type: "gt", params: [STALE_AFTER_MINUTES] },
            // An empty table means nothing arrives at all: that is the worst case of stale data.
            noDataState: "Alerting",
            panelId: PANEL.age,
            severity: "critical",
            kind: "health",
            summary: "{{ $labels.stock_symbol }}: no new candle for {{ humanize $values.B }} minutes",
            description:
              "Check ingest (Nobitex reachable?), processor and sink; the newest stored candle is old.",
          }),
          rule({
            uid: "shamdan-rsi-extreme",
            title: `${rsi} outside ${config.RSI_SELL_ABOVE}..${config.RSI_BUY_BELOW}`,
            sql: q["shamdan-rsi-extreme"],
            lookbackSeconds: 900,
            evaluator: { type: "outside_range", params: [config.RSI_SELL_ABOVE, config.RSI_BUY_BELOW] },
            noDataState: "OK",
            panelId: PANEL.rsi,
            severity: "warning",
            kind: "indicator",
            summary: `{{ $labels.stock_symbol }}: ${rsi} is {{ humanize $values.B }}`,
            description: `${rsi} left the ${config.RSI_SELL_ABOVE}..${config.RSI_BUY_BELOW} band (oversold below, overbought above).`,
          }),
        ],
      },
    ],
  };
}
