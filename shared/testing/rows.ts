/** Indicator rows for tests, so each test names only the fields it is about. */
import { noIndicatorValues } from "@shamdan/indicators";
import { textEncoder } from "../core/bus.ts";
import type { IndicatorRow } from "../core/messages.ts";
import { parseRowMessage } from "../core/row-codec.ts";

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

/** A row as published on the output topic (binary or JSON): the test fails here if it is not a valid row. */
export function publishedRow(value: string | Uint8Array | null): IndicatorRow {
  const parsed = parseRowMessage(
    typeof value === "string" ? textEncoder.encode(value) : (value ?? new Uint8Array()),
  );
  if (!parsed.ok) throw new Error(`not a row: ${parsed.reason}`);
  return parsed.value;
}
