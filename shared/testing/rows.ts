/** Indicator rows for tests, so each test names only the fields it is about. */
import { noIndicatorValues } from "@shamdan/indicators";
import type { IndicatorRow } from "../core/messages.ts";

/**
 * A row with a valid candle and no indicator values yet (warming up): HOLD, not a change, not
 * replaced; `fields` override anything.
 */
export function testRow(fields: Partial<IndicatorRow> = {}): IndicatorRow {
  return {
    v: 1,
    symbol: "AAA",
    openTime: 1_700_000_000_000,
    open: 1,
    high: 2,
    low: 0.5,
    close: 1.5,
    volume: 3,
    ...noIndicatorValues(),
    signal: "HOLD",
    signalChanged: false,
    replaced: false,
    ...fields,
  };
}
