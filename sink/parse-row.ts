/**
 * The sink's hot path: bytes (a binary or JSON row, shared/core/row-codec.ts) → `IndicatorRow`, with
 * exactly the acceptance rules and output of `parseRowMessage(bytes)` followed by the plausibility checks of
 * shared/core/plausibility.ts (`implausibleRow`), but without valibot's per-field pipelines for the common,
 * valid row (20 fields, 9 of them nullable numbers). Anything the hand check does not accept goes to
 * valibot and then to `implausibleRow`, which decide and write the dead-letter reason, so a fast-path
 * bug can only cost speed, never let a bad row into the store: `parse-row.test.ts` checks over random
 * valid, invalid and implausible messages that both give identical results. Same pattern as
 * processor/parse-candle.ts.
 */
import { type IndicatorRow, IndicatorRowSchema, SignalKind } from "@shamdan/shared/core/messages";
import { type Parsed, parseValue } from "@shamdan/shared/core/parse-message";
import {
  EARLIEST_CANDLE_MS,
  implausibleCandle,
  implausibleValues,
  MAX_CANDLE_LEAD_MS,
  MAX_CANDLE_VALUE,
} from "@shamdan/shared/core/plausibility";
import { readRowValue } from "@shamdan/shared/core/row-codec";
import { isSymbol } from "@shamdan/shared/core/symbol";

/**
 * The indicator columns held to the value bound: nullable, any sign, but never absurd. `rs` is not one
 * of them: it is a ratio (average gain over a tiny average loss can be legitimately huge), checked
 * finite by the schema only.
 */
const INDICATORS = ["sma", "ema", "delta", "gain", "loss", "avgGain", "avgLoss", "rsi"] as const;

/** Finite, not negative, not absurd (NaN fails every comparison). */
const isPrice = (x: unknown): x is number => typeof x === "number" && x >= 0 && x <= MAX_CANDLE_VALUE;
const isNullable = (x: unknown): x is number | null =>
  x === null || (typeof x === "number" && x >= -MAX_CANDLE_VALUE && x <= MAX_CANDLE_VALUE);
const isFiniteNullable = (x: unknown): x is number | null => x === null || Number.isFinite(x);
const isSignal = (x: unknown): x is IndicatorRow["signal"] =>
  x === SignalKind.BUY || x === SignalKind.SELL || x === SignalKind.HOLD;

/**
 * Why `row` cannot be a real candle's row (reason prefixed "implausible: "), or null: the open time
 * and OHLCV values by `implausibleCandle`, and every non-null indicator by `implausibleValues`.
 */
export function implausibleRow(row: IndicatorRow, now: number): string | null {
  const why = implausibleCandle(row, now);
  if (why !== null) return `implausible: ${why}`;
  for (const field of INDICATORS) {
    const value = row[field];
    if (value === null) continue;
    const bad = implausibleValues({ [field]: value });
    if (bad !== null) return `implausible: ${bad}`;
  }
  return null;
}

/** `now` (epoch ms) bounds the open time; the sink passes one per batch. */
export function parseRow(bytes: Uint8Array, now: number = Date.now()): Parsed<IndicatorRow> {
  const read = readRowValue(bytes);
  if (!read.ok) return read;
  const row = checked(read.value, now);
  if (row) return { ok: true, value: row };
  const parsed = parseValue(IndicatorRowSchema, read.value);
  if (!parsed.ok) return parsed;
  const reason = implausibleRow(parsed.value, now);
  return reason === null ? parsed : { ok: false, reason };
}

/** The row in schema key order (valibot's object output drops unknown keys), or undefined. */
function checked(json: unknown, now: number): IndicatorRow | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const m = json as Record<string, unknown>;
  const { v, symbol, openTime, open, high, low, close, volume } = m;
  if (v !== 1 || typeof symbol !== "string" || !isSymbol(symbol)) return undefined;
  if (typeof openTime !== "number" || !Number.isSafeInteger(openTime)) return undefined;
  if (openTime < EARLIEST_CANDLE_MS || openTime > now + MAX_CANDLE_LEAD_MS) return undefined;
  if (!isPrice(open) || !isPrice(high) || !isPrice(low) || !isPrice(close) || !isPrice(volume))
    return undefined;
  const { sma, ema, delta, gain, loss, avgGain, avgLoss, rs, rsi, signal, signalChanged, replaced } = m;
  if (!isNullable(sma) || !isNullable(ema) || !isNullable(delta) || !isNullable(gain)) return undefined;
  if (!isNullable(loss) || !isNullable(avgGain) || !isNullable(avgLoss) || !isFiniteNullable(rs))
    return undefined;
  if (!isNullable(rsi) || !isSignal(signal)) return undefined;
  if (typeof signalChanged !== "boolean" || typeof replaced !== "boolean") return undefined;
  return {
    v,
    symbol,
    openTime,
    open,
    high,
    low,
    close,
    volume,
    sma,
    ema,
    delta,
    gain,
    loss,
    avgGain,
    avgLoss,
    rs,
    rsi,
    signal,
    signalChanged,
    replaced,
  };
}
