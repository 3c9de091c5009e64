/** Small typed builders for the panels the market dashboard uses (types from @grafana/schema). */
import {
  AxisPlacement,
  BarAlignment,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  type DataSourceRef,
  GraphDrawStyle,
  type GraphFieldConfig,
  GraphGradientMode,
  GraphThresholdsStyleMode,
  type GridPos,
  LegendDisplayMode,
  LineInterpolation,
  MappingType,
  type Panel,
  SortOrder,
  StackingMode,
  ThresholdsMode,
  TooltipDisplayMode,
  VisibilityMode,
  VizOrientation,
} from "@grafana/schema";
import { QUESTDB_DATASOURCE } from "./datasource.ts";

export type SqlFormat = "table" | "time_series";

/** The postgres data source's query model (what its query editor saves in code mode). */
export type SqlTarget = {
  refId: string;
  datasource: DataSourceRef;
  rawSql: string;
  format: SqlFormat;
  rawQuery: true;
  editorMode: "code";
};

export function sqlTarget(rawSql: string, format: SqlFormat, refId = "A"): SqlTarget {
  return { refId, datasource: { ...QUESTDB_DATASOURCE }, rawSql, format, rawQuery: true, editorMode: "code" };
}

interface Common {
  id: number;
  title: string;
  gridPos: GridPos;
  sql: string;
  format: SqlFormat;
  description?: string;
}

const legend = {
  displayMode: LegendDisplayMode.List,
  placement: "bottom" as const,
  showLegend: true,
  calcs: [],
};
const tooltip = { mode: TooltipDisplayMode.Multi, sort: SortOrder.None };

/** Shared line/bar styling of time-series panels. */
export function graphStyle(
  overrides: Partial<GraphFieldConfig> = {},
): GraphFieldConfig & Record<string, unknown> {
  return {
    drawStyle: GraphDrawStyle.Line,
    lineInterpolation: LineInterpolation.Linear,
    lineWidth: 1,
    fillOpacity: 0,
    gradientMode: GraphGradientMode.None,
    showPoints: VisibilityMode.Never,
    spanNulls: false,
    axisPlacement: AxisPlacement.Auto,
    stacking: { mode: StackingMode.None, group: "A" },
    thresholdsStyle: { mode: GraphThresholdsStyleMode.Off },
    ...overrides,
  };
}

function base(p: Common, type: string): Panel {
  return {
    id: p.id,
    type,
    title: p.title,
    description: p.description,
    gridPos: p.gridPos,
    datasource: { ...QUESTDB_DATASOURCE },
    targets: [sqlTarget(p.sql, p.format)],
    transparent: false,
  };
}

/** Time series; one candle per minute, so never ask for finer buckets than 1m. */
export function timeSeriesPanel(
  p: Common & {
    custom?: GraphFieldConfig & Record<string, unknown>;
    unit?: string;
    min?: number;
    max?: number;
    thresholds?: number[];
  },
): Panel {
  const steps: { color: string; value: number | null }[] = [{ color: "green", value: null }];
  for (const [i, value] of (p.thresholds ?? []).entries())
    steps.push({ color: i === 0 ? "red" : "green", value });
  return {
    ...base(p, "timeseries"),
    interval: "1m",
    options: { legend, tooltip },
    fieldConfig: {
      defaults: {
        custom: p.custom ?? graphStyle(),
        unit: p.unit,
        min: p.min,
        max: p.max,
        thresholds: { mode: ThresholdsMode.Absolute, steps },
      },
      overrides: [],
    },
  };
}

/** A single latest value; `mappings` colour text values such as BUY / SELL / HOLD. */
export function statPanel(
  p: Common & { field: string; unit?: string; mappings?: Record<string, string> },
): Panel {
  const options = Object.fromEntries(
    Object.entries(p.mappings ?? {}).map(([text, color], index) => [text, { color, index, text }]),
  );
  return {
    ...base(p, "stat"),
    options: {
      reduceOptions: { calcs: ["lastNotNull"], fields: `/^${p.field}$/`, values: false },
      orientation: VizOrientation.Auto,
      textMode: BigValueTextMode.Value,
      colorMode: p.mappings ? BigValueColorMode.Background : BigValueColorMode.Value,
      graphMode: BigValueGraphMode.None,
      justifyMode: BigValueJustifyMode.Center,
    },
    fieldConfig: {
      defaults: {
        unit: p.unit,
        mappings: p.mappings ? [{ type: MappingType.ValueToText, options }] : [],
        thresholds: { mode: ThresholdsMode.Absolute, steps: [{ color: "text", value: null }] },
      },
      overrides: [],
    },
  };
}

export { BarAlignment, GraphDrawStyle, GraphThresholdsStyleMode, legend, tooltip };
