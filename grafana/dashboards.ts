/**
 * Dashboards as code: "Shamdan — market" is built here from typed objects (types from
 * @grafana/schema) and written to provisioning/dashboards by `bun run shamdan grafana generate`.
 * Column names come from indicatorColumns(config), so other indicator periods regenerate cleanly.
 */
import {
  type Dashboard,
  DashboardCursorSync,
  FieldColorModeId,
  MappingType,
  type Panel,
  VariableHide,
  VariableRefresh,
  VariableSort,
} from "@grafana/schema";
import {
  CandleStyle,
  type Options as CandlestickOptions,
  ColorStrategy,
  VizDisplayMode,
} from "@grafana/schema/dist/esm/raw/composable/candlestick/panelcfg/x/CandlestickPanelCfg_types.gen";
import type { Options as StateTimelineOptions } from "@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen";
import type { Options as TableOptions } from "@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen";
import { type Config, indicatorColumns } from "@shamdan/shared/config";
import { QUESTDB_DATASOURCE } from "./datasource.ts";
import {
  BarAlignment,
  GraphDrawStyle,
  GraphThresholdsStyleMode,
  graphStyle,
  legend,
  sqlTarget,
  statPanel,
  timeSeriesPanel,
  tooltip,
} from "./panels.ts";
import { marketQueries } from "./queries.ts";

export type DashboardConfig = Pick<
  Config,
  "QUESTDB_TABLE" | "SMA_PERIOD" | "EMA_PERIOD" | "RSI_PERIOD" | "RSI_BUY_BELOW" | "RSI_SELL_ABOVE"
>;

export const MARKET_DASHBOARD_UID = "shamdan-market";
/** Panel ids alert rules link to (dashboardUid + panelId). */
export const PANEL = {
  signal: 1,
  close: 2,
  rsiNow: 3,
  age: 4,
  candles: 5,
  overlay: 6,
  rsi: 7,
  volume: 8,
  timeline: 9,
  changes: 10,
} as const;

const SIGNAL_COLORS = { BUY: "green", SELL: "red", HOLD: "blue" } as const;

export function marketDashboard(config: DashboardConfig): Dashboard {
  const q = marketQueries(config);
  const c = indicatorColumns(config);
  const signalMappings = { ...SIGNAL_COLORS };

  const candlestickOptions: CandlestickOptions = {
    mode: VizDisplayMode.Candles,
    candleStyle: CandleStyle.Candles,
    colorStrategy: ColorStrategy.OpenClose,
    colors: { up: "green", down: "red", flat: "gray" },
    fields: { open: "open", high: "high", low: "low", close: "close", volume: "volume" },
    includeAllFields: false,
    legend,
    tooltip,
  };
  const candles: Panel = {
    ...timeSeriesPanel({
      id: PANEL.candles,
      title: "Candles (OHLC)",
      gridPos: { x: 0, y: 4, w: 24, h: 10 },
      sql: q.candles,
      format: "table",
    }),
    type: "candlestick",
    options: { ...candlestickOptions },
  };

  const timelineOptions: StateTimelineOptions = {
    rowHeight: 0.9,
    showValue: "auto" as StateTimelineOptions["showValue"],
    mergeValues: true,
    alignValue: "left" as StateTimelineOptions["alignValue"],
    legend,
    tooltip,
  };
  const timeline: Panel = {
    id: PANEL.timeline,
    type: "state-timeline",
    title: "Signal over time",
    gridPos: { x: 0, y: 30, w: 24, h: 5 },
    datasource: { ...QUESTDB_DATASOURCE },
    targets: [sqlTarget(q.signalTimeline, "table")],
    options: { ...timelineOptions },
    fieldConfig: {
      defaults: {
        color: { mode: FieldColorModeId.Thresholds },
        mappings: [
          {
            type: MappingType.ValueToText,
            options: Object.fromEntries(
              Object.entries(SIGNAL_COLORS).map(([text, color], index) => [text, { color, index, text }]),
            ),
          },
        ],
      },
      overrides: [],
    },
  };

  const tableOptions: TableOptions = {
    showHeader: true,
    frameIndex: 0,
    cellHeight: "sm" as TableOptions["cellHeight"],
  };
  const changes: Panel = {
    id: PANEL.changes,
    type: "table",
    title: "Signal changes",
    description: "Every change of BUY / SELL / HOLD in the time range, newest first.",
    gridPos: { x: 0, y: 35, w: 24, h: 8 },
    datasource: { ...QUESTDB_DATASOURCE },
    targets: [sqlTarget(q.signalChanges, "table")],
    options: { ...tableOptions },
    fieldConfig: { defaults: {}, overrides: [] },
  };

  const panels: Panel[] = [
    statPanel({
      id: PANEL.signal,
      title: "Signal now",
      gridPos: { x: 0, y: 0, w: 6, h: 4 },
      sql: q.latestSignal,
      format: "table",
      field: "signal",
      mappings: signalMappings,
    }),
    statPanel({
      id: PANEL.close,
      title: "Last close",
      gridPos: { x: 6, y: 0, w: 6, h: 4 },
      sql: q.lastClose,
      format: "table",
      field: "close",
    }),
    statPanel({
      id: PANEL.rsiNow,
      title: `${c.rsi} now`,
      gridPos: { x: 12, y: 0, w: 6, h: 4 },
      sql: q.lastRsi,
      format: "table",
      field: c.rsi,
    }),
    statPanel({
      id: PANEL.age,
      title: "Last candle age",
      description: "Seconds since the newest candle's open time; over 300 the stale-data alert fires.",
      gridPos: { x: 18, y: 0, w: 6, h: 4 },
      sql: q.dataAge,
      format: "table",
      field: "age_seconds",
      unit: "s",
    }),
    candles,
    timeSeriesPanel({
      id: PANEL.overlay,
      title: `Close with ${c.sma} and ${c.ema}`,
      gridPos: { x: 0, y: 14, w: 24, h: 8 },
      sql: q.overlay,
      format: "time_series",
    }),
    timeSeriesPanel({
      id: PANEL.rsi,
      title: `${c.rsi} (thresholds ${config.RSI_SELL_ABOVE} / ${config.RSI_BUY_BELOW})`,
      gridPos: { x: 0, y: 22, w: 12, h: 8 },
      sql: q.rsi,
      format: "time_series",
      min: 0,
      max: 100,
      thresholds: [config.RSI_SELL_ABOVE, config.RSI_BUY_BELOW],
      custom: graphStyle({ thresholdsStyle: { mode: GraphThresholdsStyleMode.Dashed } }),
    }),
    timeSeriesPanel({
      id: PANEL.volume,
      title: "Volume",
      gridPos: { x: 12, y: 22, w: 12, h: 8 },
      sql: q.volume,
      format: "time_series",
      custom: graphStyle({
        drawStyle: GraphDrawStyle.Bars,
        fillOpacity: 80,
        barAlignment: BarAlignment.Center,
      }),
    }),
    timeline,
    changes,
  ];

  return {
    uid: MARKET_DASHBOARD_UID,
    title: "Shamdan — market",
    description: "Nobitex 1-minute candles, SMA/EMA/RSI and BUY/SELL/HOLD signals from QuestDB.",
    tags: ["shamdan", "market"],
    editable: false,
    graphTooltip: DashboardCursorSync.Crosshair,
    // Candles are stored in UTC; the browser shows them in the viewer's zone (Asia/Tehran in Iran).
    timezone: "browser",
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    schemaVersion: 41,
    version: 1,
    templating: {
      list: [
        {
          name: "symbol",
          label: "Symbol",
          type: "query",
          datasource: { ...QUESTDB_DATASOURCE },
          query: q.symbols,
          refresh: VariableRefresh.onDashboardLoad,
          sort: VariableSort.alphabeticalAsc,
          multi: false,
          includeAll: false,
          hide: VariableHide.dontHide,
        },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

/** Every provisioned dashboard, keyed by file name. */
export function dashboards(config: DashboardConfig): Record<string, Dashboard> {
  return { "shamdan-market.json": marketDashboard(config) };
}
