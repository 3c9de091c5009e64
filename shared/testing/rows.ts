/** Indicator rows for tests, so each test names only the fields it is about. */
import type { IndicatorRow } from "../core/messages.ts";

/** No indicator values yet (warming up), HOLD, not a change, not replaced. */
export const WARMING_UP = {
  sma: null,
  ema: null,
  delta: null,
  gain: null,
  loss: null,
  avgGain: null,
  avgLoss: null,
  rs: null,
  rsi: null,
  signal: "HOLD",
  signalChanged: false,
  replaced: false,
} as const satisfies Partial<IndicatorRow>;

/** A warming-up row of `symbol` at `openTime` with a valid candle; `fields` override anything. */
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
    ...WARMING_UP,
    ...fields,
  };
}
