/**
 * Shared pieces of the dashboards, on @grafana/grafana-foundation-sdk's builders: the postgres data
 * source's query model (the SDK has no builder for it, so this one implements `cog.Builder`), the
 * legend/tooltip every chart uses, and the BUY / SELL / HOLD colours.
 */
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import {
  LegendDisplayMode,
  LegendPlacement,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import {
  type DataSourceRef,
  MappingType,
  type Threshold,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type ValueMapping,
} from "@grafana/grafana-foundation-sdk/dashboard";
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

/** A builder of the postgres query model; JSON output drops the marker method. */
export function sql(rawSql: string, format: SqlFormat, refId = "A"): cog.Builder<cog.Dataquery> {
  return {
    build: () => Object.assign(sqlTarget(rawSql, format, refId), { _implementsDataqueryVariant() {} }),
  };
}

export const datasource = (): DataSourceRef => ({ ...QUESTDB_DATASOURCE });

export const legend = () =>
  new VizLegendOptionsBuilder()
    .displayMode(LegendDisplayMode.List)
    .placement(LegendPlacement.Bottom)
    .showLegend(true)
    .calcs([]);

export const tooltip = () =>
  new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.None);

export const thresholds = (steps: Threshold[]) =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps);

export const SIGNAL_COLORS = { BUY: "green", SELL: "red", HOLD: "blue" } as const;

/** Text mappings that colour BUY / SELL / HOLD. */
export function signalMappings(): ValueMapping[] {
  return [
    {
      type: MappingType.ValueToText,
      options: Object.fromEntries(
        Object.entries(SIGNAL_COLORS).map(([text, color], index) => [text, { color, index, text }]),
      ),
    },
  ];
}
