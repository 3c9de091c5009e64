/**
 * Dashboards as code on @grafana/grafana-foundation-sdk's builders, written to provisioning/dashboards
 * by `bun run shamdan grafana generate`:
 * - "Shamdan — market": one symbol ($symbol): candles with SMA/EMA and volume, BUY/SELL markers, RSI
 *   with its bands, gain/loss bars, the latest signal, and aggregates over the time range;
 * - "Shamdan — overview": every symbol's latest signal and price, and a close sparkline per symbol.
 * Column names come from indicatorColumns(config), so other indicator periods regenerate cleanly.
 * Times show in Asia/Tehran, the market's zone, whatever the viewer's browser says.
 */
import * as candlestick from "@grafana/grafana-foundation-sdk/candlestick";
import {
  BarAlignment,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  GraphDrawStyle,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  ReduceDataOptionsBuilder,
  TableCellDisplayMode,
  TableCellHeight,
  VisibilityMode,
  VizOrientation,
} from "@grafana/grafana-foundation-sdk/common";
import {
  AnnotationQueryBuilder,
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  FieldColorBuilder,
  FieldColorModeId,
  type GridPos,
  QueryVariableBuilder,
  VariableHide,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { type Config, indicatorColumns } from "@shamdan/shared/core/config";
import { datasource, legend, signalMappings, sql, thresholds, tooltip } from "./panels.ts";
import { marketQueries, overviewQueries } from "./queries.ts";

export type DashboardConfig = Pick<
  Config,
  "QUESTDB_TABLE" | "SMA_PERIOD" | "EMA_PERIOD" | "RSI_PERIOD" | "RSI_BUY_BELOW" | "RSI_SELL_ABOVE"
>;

export const MARKET_DASHBOARD_UID = "shamdan-market";
export const OVERVIEW_DASHBOARD_UID = "shamdan-overview";
/** The market's time zone: candles are stored in UTC and shown here. */
export const DASHBOARD_TIMEZONE = "Asia/Tehran";

/** Panel ids alert rules link to (dashboardUid + panelId). */
export const PANEL = {
  signal: 1,
  close: 2,
  rsiNow: 3,
  age: 4,
  candles: 5,
  rsi: 7,
  gainLoss: 8,
  timeline: 9,
  changes: 10,
  closeStats: 11,
  indicatorStats: 12,
  scorecard: 13,
} as const;

const grid = (x: number, y: number, w: number, h: number): GridPos => ({ x, y, w, h });

/** A single latest value of one column. */
function latestStat(id: number, title: string, gridPos: GridPos, rawSql: string, field: string) {
  return new stat.PanelBuilder()
    .id(id)
    .title(title)
    .gridPos(gridPos)
    .datasource(datasource())
    .withTarget(sql(rawSql, "table"))
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).fields(`/^${field}$/`).values(false))
    .orientation(VizOrientation.Auto)
    .textMode(BigValueTextMode.Value)
    .colorMode(BigValueColorMode.Value)
    .graphMode(BigValueGraphMode.None)
    .justifyMode(BigValueJustifyMode.Center)
    .thresholds(thresholds([{ color: "text", value: null }]));
}

/** Several aggregates of one row, each shown with its name. */
function aggregateStat(id: number, title: string, gridPos: GridPos, rawSql: string, description: string) {
  return new stat.PanelBuilder()
    .id(id)
    .title(title)
    .description(description)
    .gridPos(gridPos)
    .datasource(datasource())
    .withTarget(sql(rawSql, "table"))
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .orientation(VizOrientation.Horizontal)
    .textMode(BigValueTextMode.ValueAndName)
    .colorMode(BigValueColorMode.None)
    .graphMode(BigValueGraphMode.None)
    .justifyMode(BigValueJustifyMode.Center)
    .decimals(2);
}

// Long on purpose: a declarative list of panels, one entry each; splitting it would scatter the layout.
export function marketDashboard(config: DashboardConfig): Dashboard {
  const q = marketQueries(config);
  const c = indicatorColumns(config);

  const candles = new candlestick.PanelBuilder()
    .id(PANEL.candles)
    .title(`Candles with ${c.sma}, ${c.ema} and volume`)
    .description(
      "Candles of a larger interval are re-aggregated (first/max/min/last/sum); the moving averages are drawn on the candles.",
    )
    .gridPos(grid(0, 4, 24, 12))
    .datasource(datasource())
    .withTarget(sql(q.candles, "table"))
    .interval("1m")
    .mode(candlestick.VizDisplayMode.CandlesVolume)
    .candleStyle(candlestick.CandleStyle.Candles)
    .colorStrategy(candlestick.ColorStrategy.OpenClose)
    .colors(new candlestick.CandlestickColorsBuilder().up("green").down("red").flat("gray"))
    .fields(
      new candlestick.CandlestickFieldMapBuilder()
        .open("open")
        .high("high")
        .low("low")
        .close("close")
        .volume("volume"),
    )
    // The SMA and EMA columns are drawn as lines over the candles.
    .includeAllFields(true)
    .legend(legend())
    .tooltip(tooltip())
    .overrideByName(c.sma, [{ id: "color", value: { mode: "fixed", fixedColor: "orange" } }])
    .overrideByName(c.ema, [{ id: "color", value: { mode: "fixed", fixedColor: "purple" } }]);

  const rsi = new timeseries.PanelBuilder()
    .id(PANEL.rsi)
    .title(`${c.rsi} (bands ${config.RSI_SELL_ABOVE} / ${config.RSI_BUY_BELOW})`)
    .gridPos(grid(0, 16, 12, 8))
    .datasource(datasource())
    .withTarget(sql(q.rsi, "time_series"))
    .interval("1m")
    .min(0)
    .max(100)
    .thresholds(
      thresholds([
        { color: "green", value: null },
        { color: "red", value: config.RSI_SELL_ABOVE },
        { color: "green", value: config.RSI_BUY_BELOW },
      ]),
    )
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed))
    .showPoints(VisibilityMode.Never)
    .legend(legend())
    .tooltip(tooltip());

  const gainLoss = new timeseries.PanelBuilder()
    .id(PANEL.gainLoss)
    .title("Gain / loss")
    .description("Close minus open of each bucket: green bars gained, red bars lost.")
    .gridPos(grid(12, 16, 12, 8))
    .datasource(datasource())
    .withTarget(sql(q.gainLoss, "time_series"))
    .interval("1m")
    .drawStyle(GraphDrawStyle.Bars)
    .barAlignment(BarAlignment.Center)
    .fillOpacity(80)
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds))
    .thresholds(
      thresholds([
        { color: "red", value: null },
        { color: "green", value: 0 },
      ]),
    )
    .legend(legend())
    .tooltip(tooltip());

  const timeline = new statetimeline.PanelBuilder()
    .id(PANEL.timeline)
    .title("Signal over time")
    .gridPos(grid(0, 29, 24, 5))
    .datasource(datasource())
    .withTarget(sql(q.signalTimeline, "table"))
    .rowHeight(0.9)
    .mergeValues(true)
    .showValue(VisibilityMode.Auto)
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds))
    .mappings(signalMappings())
    .legend(legend())
    .tooltip(tooltip());

  const changes = new table.PanelBuilder()
    .id(PANEL.changes)
    .title("Signal changes")
    .description("Every change of BUY / SELL / HOLD in the time range, newest first.")
    .gridPos(grid(0, 34, 24, 8))
    .datasource(datasource())
    .withTarget(sql(q.signalChanges, "table"))
    .showHeader(true)
    .cellHeight(TableCellHeight.Sm)
    .mappings(signalMappings());

  const scorecard = new table.PanelBuilder()
    .id(PANEL.scorecard)
    .title("Scorecard")
    .description(
      "Each change to BUY or SELL in the time range, 5, 15 and 60 minutes on (the candle that many minutes later): " +
        "how many, the share that went the signal's way (BUY up, SELL down), and the mean forward return in the " +
        "signal's direction. The same numbers as the API's /api/scorecard.",
    )
    .gridPos(grid(0, 42, 24, 5))
    .datasource(datasource())
    .withTarget(sql(q.scorecard, "table"))
    .showHeader(true)
    .cellHeight(TableCellHeight.Sm)
    .unit("percentunit")
    .decimals(2)
    .overrides([
      { matcher: { id: "byName", options: "after (min)" }, properties: [{ id: "unit", value: "none" }] },
      {
        matcher: { id: "byName", options: "changes" },
        properties: [
          { id: "unit", value: "none" },
          { id: "decimals", value: 0 },
        ],
      },
    ]);

  const marker = (name: string, rawSql: string, color: string) =>
    new AnnotationQueryBuilder()
      .name(name)
      .datasource(datasource())
      .enable(true)
      .iconColor(color)
      .target(sql(rawSql, "table", "Anno"));

  return new DashboardBuilder("Shamdan — market")
    .uid(MARKET_DASHBOARD_UID)
    .description("Nobitex 1-minute candles, SMA/EMA/RSI and BUY/SELL/HOLD signals from QuestDB.")
    .tags(["shamdan", "market"])
    .readonly()
    .tooltip(DashboardCursorSync.Crosshair)
    .timezone(DASHBOARD_TIMEZONE)
    .time({ from: "now-6h", to: "now" })
    .refresh("30s")
    .version(1)
    .withVariable(
      new QueryVariableBuilder("symbol")
        .label("Symbol")
        .datasource(datasource())
        .query(q.symbols)
        .refresh(VariableRefresh.OnDashboardLoad)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(false)
        .includeAll(false)
        .hide(VariableHide.DontHide),
    )
    .annotation(marker("BUY", q.buyMarkers, "green"))
    .annotation(marker("SELL", q.sellMarkers, "red"))
    .link(
      new DashboardLinkBuilder("Overview")
        .type(DashboardLinkType.Dashboards)
        .tags(["overview"])
        .keepTime(true),
    )
    .withPanel(
      latestStat(PANEL.signal, "Signal now", grid(0, 0, 6, 4), q.latestSignal, "signal")
        .colorMode(BigValueColorMode.Background)
        .mappings(signalMappings()),
    )
    .withPanel(latestStat(PANEL.close, "Last close", grid(6, 0, 6, 4), q.lastClose, "close"))
    .withPanel(latestStat(PANEL.rsiNow, `${c.rsi} now`, grid(12, 0, 6, 4), q.lastRsi, c.rsi))
    .withPanel(
      latestStat(PANEL.age, "Last candle age", grid(18, 0, 6, 4), q.dataAge, "age_seconds")
        .description("Seconds since the newest candle's open time; over 300 the stale-data alert fires.")
        .unit("s"),
    )
    .withPanel(candles)
    .withPanel(rsi)
    .withPanel(gainLoss)
    .withPanel(
      aggregateStat(
        PANEL.closeStats,
        "Close: highest / average / lowest",
        grid(0, 24, 12, 5),
        q.closeStats,
        "Over the dashboard's time range.",
      ),
    )
    .withPanel(
      aggregateStat(
        PANEL.indicatorStats,
        `${c.sma} / ${c.ema} / ${c.rsi} over the range`,
        grid(12, 24, 12, 5),
        q.indicatorStats,
        "Averages of the moving averages, and RSI's lowest / average / highest, over the time range.",
      ),
    )
    .withPanel(timeline)
    .withPanel(changes)
    .withPanel(scorecard)
    .build();
}

export function overviewDashboard(config: DashboardConfig): Dashboard {
  const q = overviewQueries(config);
  const c = indicatorColumns(config);
  const latest = new table.PanelBuilder()
    .id(1)
    .title("Every symbol now")
    .description("The newest candle of each symbol; click a symbol for its market dashboard.")
    .gridPos(grid(0, 0, 24, 8))
    .datasource(datasource())
    .withTarget(sql(q.latest, "table"))
    .showHeader(true)
    .cellHeight(TableCellHeight.Sm)
    .overrideByName("signal", [
      { id: "mappings", value: signalMappings() },
      { id: "custom.cellOptions", value: { type: TableCellDisplayMode.ColorBackground } },
    ])
    .overrideByName("symbol", [
      {
        id: "links",
        value: [
          {
            title: "Market dashboard",
            url: `/d/${MARKET_DASHBOARD_UID}?var-symbol=\${__value.raw}&\${__url_time_range}`,
          },
        ],
      },
    ])
    .overrideByName(c.rsi, [{ id: "decimals", value: 2 }]);
  const sparklines = new stat.PanelBuilder()
    .id(2)
    .title("Close")
    .description("Last close per symbol, with its course over the time range.")
    .gridPos(grid(0, 8, 24, 8))
    .datasource(datasource())
    .withTarget(sql(q.sparklines, "time_series"))
    .interval("1m")
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .orientation(VizOrientation.Auto)
    .textMode(BigValueTextMode.ValueAndName)
    .colorMode(BigValueColorMode.None)
    .graphMode(BigValueGraphMode.Area)
    .justifyMode(BigValueJustifyMode.Center);

  return new DashboardBuilder("Shamdan — overview")
    .uid(OVERVIEW_DASHBOARD_UID)
    .description("Every followed symbol: latest signal, price and a sparkline.")
    .tags(["shamdan", "overview"])
    .readonly()
    .timezone(DASHBOARD_TIMEZONE)
    .time({ from: "now-6h", to: "now" })
    .refresh("30s")
    .version(1)
    .link(
      new DashboardLinkBuilder("Market").type(DashboardLinkType.Dashboards).tags(["market"]).keepTime(true),
    )
    .withPanel(latest)
    .withPanel(sparklines)
    .build();
}

/** Every provisioned dashboard, keyed by file name. */
export function dashboards(config: DashboardConfig): Record<string, Dashboard> {
  return {
    "shamdan-market.json": marketDashboard(config),
    "shamdan-overview.json": overviewDashboard(config),
  };
}
