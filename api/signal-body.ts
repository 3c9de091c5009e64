/** The JSON shape of one signal (REST and the live stream share it), indicator names as in the table. */
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import type { SignalEvent } from "@shamdan/shared/core/store";
import type { FieldMap } from "./fields.ts";
import { toIso } from "./instant.ts";

export function signalBody(event: SignalEvent | IndicatorRow, fields: FieldMap) {
  return {
    symbol: event.symbol,
    time: toIso(event.openTime),
    open_time: event.openTime,
    close: event.close,
    signal: event.signal,
    signal_changed: event.signalChanged,
    [fields.sma]: event.sma,
    [fields.ema]: event.ema,
    [fields.rsi]: event.rsi,
  };
}
