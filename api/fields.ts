/**
 * The original system's table column names (`SMA_5`, `avg_gain_10`, ...) against the store's logical field names.
 * Requests and responses speak the table's names (existing Django clients send them); the store port
 * speaks logical names, so the mapping lives here, once, built from the configured periods.
 */
import { type Config, indicatorColumns } from "@shamdan/shared/core/config";
import type { NumericField } from "@shamdan/shared/core/store";

export interface FieldMap {
  /** Table column names in table order, e.g. `["open", ..., "SMA_5", "EMA_10", ..., "RSI_10"]`. */
  readonly columns: readonly [string, ...string[]];
  toField(column: string): NumericField | undefined;
  /** Column names of the indicators every response reports. */
  readonly sma: string;
  readonly ema: string;
  readonly rsi: string;
}

export function fieldMap(config: Pick<Config, "SMA_PERIOD" | "EMA_PERIOD" | "RSI_PERIOD">): FieldMap {
  const ind = indicatorColumns(config);
  const pairs: [string, NumericField][] = [
    ["open", "open"],
    ["high", "high"],
    ["low", "low"],
    ["close", "close"],
    ["volume", "volume"],
    [ind.sma, "sma"],
    [ind.ema, "ema"],
    ["delta", "delta"],
    ["gain", "gain"],
    ["loss", "loss"],
    [ind.avgGain, "avgGain"],
    [ind.avgLoss, "avgLoss"],
    ["rs", "rs"],
    [ind.rsi, "rsi"],
  ];
  const byColumn = new Map(pairs);
  const columns = pairs.map(([column]) => column) as [string, ...string[]];
  return {
    columns,
    // Own-property lookup only: "__proto__" or "constructor" must never resolve to a field.
    toField: (column) => byColumn.get(column),
    sma: ind.sma,
    ema: ind.ema,
    rsi: ind.rsi,
  };
}
