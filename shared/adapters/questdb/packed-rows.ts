/**
 * What an ILP write needs of IndicatorRows, packed into one Float64Array so that a share of a large
 * write can be handed to an encoding worker without copying (the buffer is transferred) and without
 * the structured clone of thousands of objects. Per row: the open time, the numeric columns (NaN
 * stands for null: a row that reaches the store has no NaN, the sink's checks refuse it), the index of
 * its symbol and of its signal, and whether the signal changed. Unpacking gives back exactly those
 * fields; `v` and `replaced` are not written to the store and come back as 1 and false.
 */
import { type IndicatorRow, ROW_NUMBER_FIELDS } from "../../core/messages.ts";

const SIGNALS = ["BUY", "SELL", "HOLD"] as const satisfies readonly IndicatorRow["signal"][];
const FIELDS = ROW_NUMBER_FIELDS.length;
/** openTime, the numeric fields, symbol index, signal index, signalChanged. */
const STRIDE = FIELDS + 4;

export interface PackedRows {
  symbols: string[];
  values: Float64Array<ArrayBuffer>;
}

export function packRows(rows: readonly IndicatorRow[]): PackedRows {
  const symbols: string[] = [];
  const symbolIndex = new Map<string, number>();
  const values = new Float64Array(rows.length * STRIDE);
  let at = 0;
  for (const row of rows) {
    let symbol = symbolIndex.get(row.symbol);
    if (symbol === undefined) {
      symbol = symbols.push(row.symbol) - 1;
      symbolIndex.set(row.symbol, symbol);
    }
    values[at++] = row.openTime;
    for (const field of ROW_NUMBER_FIELDS) values[at++] = row[field] ?? Number.NaN;
    values[at++] = symbol;
    values[at++] = SIGNALS.indexOf(row.signal);
    values[at++] = row.signalChanged ? 1 : 0;
  }
  return { symbols, values };
}

export function unpackRows({ symbols, values }: PackedRows): IndicatorRow[] {
  const rows: IndicatorRow[] = [];
  for (let at = 0; at < values.length; at += STRIDE) {
    const row: Record<string, unknown> = {
      v: 1,
      symbol: symbols[values[at + FIELDS + 1] as number],
      openTime: values[at],
      signal: SIGNALS[values[at + FIELDS + 2] as number],
      signalChanged: values[at + FIELDS + 3] === 1,
      replaced: false,
    };
    ROW_NUMBER_FIELDS.forEach((field, i) => {
      const value = values[at + 1 + i] as number;
      row[field] = Number.isNaN(value) ? null : value;
    });
    rows.push(row as IndicatorRow);
  }
  return rows;
}
