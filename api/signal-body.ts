/** The JSON shape of one signal (REST and the live stream share it), indicator names as in the table. */
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import type { SignalEvent } from "@shamdan/shared/core/store";
import type { FieldMap } from "./fields.ts";
import { toIso } from "./instant.ts";

export function signalBody(event: SignalEvent | IndicatorRow, fields: FieldMap) {
  return {
    symbol: event.symbol,
    ...timeOf(event.openTime),
    close: event.close,
    signal: event.signal,
    signal_changed: event.signalChanged,
    ...indicatorsOf(event, fields),
  };
}

/** An open time as the API shows it: ISO text, and epoch ms. */
export const timeOf = (openTime: number) => ({ time: toIso(openTime), open_time: openTime });

/** SMA, EMA and RSI under the table's column names (SMA_5...). */
export const indicatorsOf = (
  values: { sma: number | null; ema: number | null; rsi: number | null },
  fields: FieldMap,
) => ({ [fields.sma]: values.sma, [fields.ema]: values.ema, [fields.rsi]: values.rsi });
