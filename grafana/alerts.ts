/**
 * Alert rules, built with @grafana/grafana-foundation-sdk's alerting builders and written in Grafana's
 * file-provisioning format (apiVersion 1, `groups`; see alerting-schema.ts). Each rule: A = SQL on
 * QuestDB (time_series: text columns become labels, so one alert instance per symbol), B =
 * reduce(last), C = threshold on B (the condition).
 * Grafana keeps the query model raw (macros such as $__timeFilter survive provisioning), while
 * labels are env-interpolated: no `$` in labels; annotations may use {{ $labels.x }} / {{ $values.B }}.
 */
import * as alerting from "@grafana/grafana-foundation-sdk/alerting";
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type { TypeReduce, TypeThreshold } from "@grafana/grafana-foundation-sdk/expr";
import type { Config } from "@shamdan/shared/core/config";
import { indicatorColumns } from "@shamdan/shared/core/config";
import { DASHBOARD_TIMEZONE, MARKET_DASHBOARD_UID, PANEL } from "./dashboards.ts";
import { QUESTDB_DATASOURCE } from "./datasource.ts";
import { sql } from "./panels.ts";
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
export const ALERT_GROUP = "market";
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

const EXPR = { type: "__expr__", uid: "__expr__" } as const;
const model = <T extends cog.Dataquery>(m: Omit<T, "_implementsDataqueryVariant">): cog.Builder<T> => ({
  build: () => ({ ...m, _implementsDataqueryVariant() {} }) as T,
});

function rule(spec: RuleSpec) {
  const query = new alerting.QueryBuilder("A")
    .relativeTimeRange({ from: spec.lookbackSeconds, to: 0 })
    .datasourceUid(QUESTDB_DATASOURCE.uid)
    .model({
      build: () =>
        Object.assign(sql(spec.sql, "time_series").build(), { intervalMs: 60_000, maxDataPoints: 43_200 }),
    });
  const reduce = new alerting.QueryBuilder("B")
    .relativeTimeRange({ from: 0, to: 0 })
    .datasourceUid(EXPR.uid)
    .model(
      model<TypeReduce>({
        refId: "B",
        datasource: { ...EXPR },
        type: "reduce",
        expression: "A",
        reducer: "last",
        settings: { mode: "dropNN" },
      }),
    );
  const threshold = new alerting.QueryBuilder("C")
    .relativeTimeRange({ from: 0, to: 0 })
    .datasourceUid(EXPR.uid)
    .model(
      model<TypeThreshold>({
        refId: "C",
        datasource: { ...EXPR },
        type: "threshold",
        expression: "B",
        conditions: [{ evaluator: spec.evaluator }],
      }),
    );
  return new alerting.RuleBuilder(spec.title)
    .uid(spec.uid)
    .condition("C")
    .queries([query, reduce, threshold])
    .noDataState(spec.noDataState)
    .execErrState("Error")
    .forDuration("0s")
    .annotations({
      summary: spec.summary,
      description: spec.description,
      // How Grafana's API stores the rule's dashboard and panel; the file format names them directly.
      __dashboardUid__: MARKET_DASHBOARD_UID,
      __panelId__: String(spec.panelId),
    })
    .labels({ service: "shamdan", severity: spec.severity, kind: spec.kind })
    .isPaused(false)
    .build();
}

/** The file format's rule: the API rule without the keys its group gives, dashboard and panel named. */
function fileRule(r: alerting.Rule) {
  const { __dashboardUid__, __panelId__, ...annotations } = r.annotations ?? {};
  return {
    uid: r.uid,
    title: r.title,
    condition: r.condition,
    data: r.data.map((q) => ({
      refId: q.refId,
      relativeTimeRange: q.relativeTimeRange,
      datasourceUid: q.datasourceUid,
      model: q.model as unknown as Record<string, unknown> & { rawSql?: string },
    })),
    dashboardUid: __dashboardUid__,
    panelId: Number(__panelId__),
    noDataState: r.noDataState,
    execErrState: r.execErrState,
    for: r.for,
    annotations,
    labels: r.labels,
    isPaused: r.isPaused,
  };
}

/** `fixed(x, d)`: x >= 0 with d decimals, by the same IEEE arithmetic as the embedded notifier. */
const fixed = (x: string, d: number) => {
  const scale = 10 ** d;
  const n = `cast(floor(${x} * ${scale} + 0.5) AS long)`;
  return `cast(${n} / ${scale} AS string) || '.' || lpad(cast(${n} % ${scale} AS string), ${d}, '0')`;
};

/**
 * SQL text of the message fields, formatted exactly as sink/slack-notifier.ts formats them:
 * close without decimals from 1000 up, with 4 from 1 up, else with 8; RSI with 2 or `n/a`; the
 * candle's open time in Asia/Tehran.
 */
export function messageFieldsSql(rsiColumn: string) {
  return {
    close:
      `CASE WHEN close >= 1000 THEN cast(cast(floor(close + 0.5) AS long) AS string) ` +
      `WHEN close >= 1 THEN ${fixed("close", 4)} ELSE ${fixed("close", 8)} END`,
    rsi: `CASE WHEN ${rsiColumn} IS NULL THEN 'n/a' ELSE ${fixed(rsiColumn, 2)} END`,
    time: `to_str(to_timezone(local_time, '${DASHBOARD_TIMEZONE}'), 'yyyy-MM-dd HH:mm')`,
  };
}

/** The SQL of every rule, keyed by rule uid (the integration test runs each against QuestDB). */
export function alertQueries(config: AlertConfig) {
  const t = config.QUESTDB_TABLE;
  const { rsi } = indicatorColumns(config);
  const symbols = config.SYMBOLS.map((s) => `'${s}'`).join(", ");
  const f = messageFieldsSql(rsi);
  return {
    // Latest candle per symbol, 1 when its signal is BUY/SELL and differs from the candle before.
    // The message's fields are labels: each change is its own alert instance, announced once.
    "shamdan-signal-change":
      `WITH s AS (SELECT local_time, stock_symbol, signal, close, ${rsi}, ${SIGNAL_CODE} AS code, lag(${SIGNAL_CODE}) ` +
      `OVER (PARTITION BY stock_symbol ORDER BY local_time) AS prev_code FROM ${t} WHERE $__timeFilter(local_time)) ` +
      `SELECT local_time AS "time", stock_symbol, signal, ${f.close} AS "close", ${f.rsi} AS "rsi", ` +
      `${f.time} AS "tehran_time", CASE WHEN code != 0 AND prev_code IS NOT NULL AND ` +
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

/**
 * `provisioning/alerting/rules.yaml`.
 * Long on purpose: a declarative list of alert rules, one entry each.
 */
export function alertRules(config: AlertConfig) {
  const q = alertQueries(config);
  const { rsi } = indicatorColumns(config);
  const group = new alerting.RuleGroupBuilder(ALERT_GROUP)
    .interval(60)
    .rules([
      {
        build: () =>
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
              "{{ $labels.stock_symbol }} turned {{ $labels.signal }} at {{ $labels.tehran_time }} (Asia/Tehran): close {{ $labels.close }}, RSI {{ $labels.rsi }}.",
          }),
      },
      {
        build: () =>
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
      },
      {
        build: () =>
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
      },
    ])
    .build();
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: group.title ?? ALERT_GROUP,
        folder: ALERT_FOLDER,
        interval: `${(group.interval ?? 60) / 60}m`,
        rules: (group.rules ?? []).map(fileRule),
      },
    ],
  };
}
