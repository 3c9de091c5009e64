/**
 * The sink's hot path: bytes → `IndicatorRow`, with exactly the acceptance rules and output of
 * `parseMessage(IndicatorRowSchema, bytes)` but without valibot's per-field pipelines for the common,
 * valid row (20 fields, 9 of them nullable numbers). Anything the hand check does not accept goes to
 * valibot, which then decides and writes the dead-letter reason, so a fast-path bug can only cost
 * speed, never let a bad row into the store: `parse-row.test.ts` checks over random valid and invalid
 * messages that both give identical results. Same pattern as processor/parse-candle.ts.
 */
import { textDecoder } from "@shamdan/shared/bus/bus";
import { type Parsed, parseMessage } from "@shamdan/shared/bus/parse-message";
import { type IndicatorRow, IndicatorRowSchema, SignalKind } from "@shamdan/shared/messages";

/** Same pattern as IndicatorRowSchema's symbol regex. */
const SYMBOL = /^[A-Z0-9]{2,20}$/;

const isFiniteNumber = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const isPrice = (x: unknown): x is number => isFiniteNumber(x) && x >= 0;
const isNullable = (x: unknown): x is number | null => x === null || isFiniteNumber(x);
const isTime = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
const isSignal = (x: unknown): x is IndicatorRow["signal"] =>
  x === SignalKind.BUY || x === SignalKind.SELL || x === SignalKind.HOLD;

export function parseRow(bytes: Uint8Array): Parsed<IndicatorRow> {
  let json: unknown;
  try {
    json = JSON.parse(textDecoder.decode(bytes));
  } catch {
    return parseMessage(IndicatorRowSchema, bytes);
  }
  const row = checked(json);
  return row ? { ok: true, value: row } : parseMessage(IndicatorRowSchema, bytes);
}

/** The row in schema key order (valibot's object output drops unknown keys), or undefined. */
function checked(json: unknown): IndicatorRow | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const m = json as Record<string, unknown>;
  const { v, symbol, openTime, open, high, low, close, volume } = m;
  if (v !== 1 || typeof symbol !== "string" || !SYMBOL.test(symbol) || !isTime(openTime)) return undefined;
  if (!isPrice(open) || !isPrice(high) || !isPrice(low) || !isPrice(close) || !isPrice(volume))
    return undefined;
  const { sma, ema, delta, gain, loss, avgGain, avgLoss, rs, rsi, signal, signalChanged, replaced } = m;
  if (!isNullable(sma) || !isNullable(ema) || !isNullable(delta) || !isNullable(gain)) return undefined;
  if (!isNullable(loss) || !isNullable(avgGain) || !isNullable(avgLoss) || !isNullable(rs)) return undefined;
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
