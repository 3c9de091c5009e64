/**
 * What the sink and store benchmarks compare against: rows written with a bare ILP Sender, one flush
 * per batch, with none of the store's checks or bookkeeping.
 */
import type { Sender } from "@questdb/nodejs-client";
import type { ColumnNames } from "../shared/adapters/store-columns.ts";
import type { IndicatorRow } from "../shared/core/messages.ts";
import { NUMERIC_FIELDS } from "../shared/core/store.ts";

export async function writeBareIlp(
  sender: Sender,
  table: string,
  cols: ColumnNames,
  batch: readonly IndicatorRow[],
): Promise<void> {
  for (const r of batch) {
    sender.table(table).symbol("stock_symbol", r.symbol).symbol("signal", r.signal);
    for (const f of NUMERIC_FIELDS) {
      const value = r[f];
      if (value !== null) sender.floatColumn(cols[f], value);
    }
    sender.booleanColumn("signal_changed", r.signalChanged);
    await sender.at(r.openTime, "ms");
  }
  await sender.flush();
}
