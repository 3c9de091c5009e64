/**
 * What a hostile or broken producer or client sends: bytes for every topic a service consumes, and
 * HTTP requests for the API. Each generator is seeded, so a failing run can be repeated exactly.
 */
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { mulberry32 } from "@shamdan/shared/core/prng";
import { RowEncoder } from "@shamdan/shared/core/row-codec";

type Random = () => number;

const encoder = new TextEncoder();

function randomBytes(random: Random, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

function randomText(random: Random, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789{}[]":,';
  let text = "";
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

/** The valid candle the hostile candles and rows start from. */
const OHLCV = { openTime: Date.UTC(2024, 0, 1), open: 100, high: 110, low: 90, close: 105, volume: 3 };

/** A well-formed candle message for `symbol` with the given overrides (to break one value at a time). */
function candle(symbol: string, overrides: Record<string, unknown>): string {
  const base = { v: 1, symbol, resolution: "1", ...OHLCV, fetchedAt: Date.UTC(2024, 0, 1, 0, 1) };
  return JSON.stringify({ ...base, ...overrides });
}

/** An indicator row for `symbol` with the given overrides. */
function rowFields(symbol: string, overrides: Record<string, unknown>): Record<string, unknown> {
  const base = {
    v: 1,
    symbol,
    ...OHLCV,
    sma: 101,
    ema: 102,
    delta: 1,
    gain: 1,
    loss: 0,
    avgGain: 0.5,
    avgLoss: 0.25,
    rs: 2,
    rsi: 66.7,
    signal: "HOLD",
    signalChanged: false,
    replaced: false,
  };
  return { ...base, ...overrides };
}

/** The row as JSON. */
const row = (symbol: string, overrides: Record<string, unknown>) =>
  JSON.stringify(rowFields(symbol, overrides));

/** The row in the binary layout the processor writes by default (shared/core/row-codec.ts). */
function binaryRow(symbol: string, overrides: Record<string, unknown>): Uint8Array {
  const fields = rowFields(symbol, overrides) as unknown as IndicatorRow;
  return Uint8Array.from(new RowEncoder("binary").encode(fields) as Uint8Array);
}

/** A valid binary row with one byte changed. */
function brokenBinaryRow(symbol: string, at: number, byte: number): Uint8Array {
  const bytes = binaryRow(symbol, {});
  bytes[at] = byte;
  return bytes;
}

export interface HostileMessage {
  /** What it is, for the report. */
  kind: string;
  value: string | Uint8Array;
}

/** Bytes that are not a message at all, for any topic. */
function junk(random: Random): HostileMessage[] {
  return [
    { kind: "truncated JSON", value: "{not json" },
    { kind: "empty value", value: new Uint8Array(0) },
    { kind: "random binary", value: randomBytes(random, 512) },
    { kind: "JSON array", value: "[1,2,3]" },
    { kind: "JSON null", value: "null" },
    { kind: "deeply nested JSON", value: `${"[".repeat(5000)}${"]".repeat(5000)}` },
    // Large but under the broker's 1 MiB record limit: its dead letter must still fit.
    { kind: "600 KB of text", value: randomText(random, 600_000) },
  ];
}

/** For a symbol topic (the processor's input). Every one must be dead-lettered by the processor. */
export function hostileCandles(symbol: string, seed: number, now = Date.now()): HostileMessage[] {
  const random = mulberry32(seed);
  return [
    ...junk(random),
    { kind: "wrong shape", value: '{"hello":"world"}' },
    { kind: "openTime 2^53-1", value: candle(symbol, { openTime: 9007199254740991 }) },
    { kind: "openTime before 2010", value: candle(symbol, { openTime: Date.UTC(2009, 5, 1) }) },
    { kind: "openTime two days ahead", value: candle(symbol, { openTime: now + 2 * 86_400_000 }) },
    { kind: "close 1e308", value: candle(symbol, { close: 1e308, high: 1e308 }) },
    { kind: "negative price", value: candle(symbol, { low: -1 }) },
    { kind: "string price", value: candle(symbol, { close: "105" }) },
  ];
}

/** For `output_topic` (the sink's input). Every one must be dead-lettered by the sink. */
export function hostileRows(symbol: string, seed: number): HostileMessage[] {
  const random = mulberry32(seed);
  return [
    ...junk(random),
    { kind: "wrong shape", value: '{"hello":"world"}' },
    { kind: "openTime 2^53-1", value: row(symbol, { openTime: 9007199254740991 }) },
    { kind: "openTime before 2010", value: row(symbol, { openTime: Date.UTC(2009, 5, 1) }) },
    { kind: "close 1e308", value: row(symbol, { close: 1e308, high: 1e308 }) },
    { kind: "rsi 1e300", value: row(symbol, { rsi: 1e300 }) },
    { kind: "unknown signal", value: row(symbol, { signal: "MOON" }) },
    { kind: "binary row cut short", value: binaryRow(symbol, {}).subarray(0, 100) },
    { kind: "binary row, unknown signal code", value: brokenBinaryRow(symbol, 1, 7) },
    { kind: "binary row, reserved bits set", value: brokenBinaryRow(symbol, 6, 0xff) },
    { kind: "binary row, openTime 2^53-1", value: binaryRow(symbol, { openTime: 9007199254740991 }) },
    { kind: "binary row, close 1e308", value: binaryRow(symbol, { close: 1e308, high: 1e308 }) },
  ];
}

/** For the processor's state changelog: unreadable states under a real key and under a made-up one. */
export function hostileStates(realKey: string, seed: number): { key: string; value: string | Uint8Array }[] {
  const random = mulberry32(seed);
  return [
    { key: realKey, value: "{not json" },
    { key: realKey, value: '{"v":1,"nextOffset":"99999999999","engines":"nope"}' },
    { key: realKey, value: randomBytes(random, 256) },
    { key: "no-such-topic:7", value: '{"hello":"world"}' },
  ];
}

export interface HostileRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * One of many kinds of broken or malicious API request, drawn at random.
 * Long on purpose: a table of request kinds, one short case each.
 */
export function hostileRequest(random: Random, symbol: string): HostileRequest {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const json = { "content-type": "application/json" };
  const kinds: (() => HostileRequest)[] = [
    () => ({
      method: "GET",
      path: `/api/candles?symbol=${symbol}&interval=${pick(["bogus", "0s", "-5m", "999999d"])}`,
    }),
    () => ({
      method: "GET",
      path: `/api/candles?symbol=${symbol}&limit=${pick(["-1", "1e99", "NaN", "0x10", ""])}`,
    }),
    () => ({
      method: "GET",
      path: `/api/candles?symbol=${encodeURIComponent(pick(["NOPE", "' OR 1=1 --", "a".repeat(500), "BTC\u0000IRT"]))}`,
    }),
    () => ({
      method: "GET",
      path: `/api/candles?symbol=${symbol}&from=${pick(["2099-01-01", "yesterday", "-1", "1e400"])}&to=1`,
    }),
    () => ({
      method: "GET",
      path: `/api/signals?symbol=${symbol}&changes=${pick(["maybe", "1", ""])}&limit=${pick(["5", "-3", "x"])}`,
    }),
    () => ({
      method: "GET",
      path: pick(["/api/../../etc/passwd", "/%00", "/api/%ZZ", `/${"x".repeat(8000)}`, "/api//candles"]),
    }),
    () => ({
      method: pick(["PUT", "DELETE", "PATCH"]),
      path: pick(["/api/summarize/", "/api/candles", "/readyz"]),
    }),
    () => ({
      method: "POST",
      path: "/api/summarize/",
      headers: json,
      body: pick(["{", "[]", "null", '"x"', "{}"]),
    }),
    () => ({
      method: "POST",
      path: "/api/summarize/",
      headers: json,
      body: JSON.stringify({ stock_symbol: symbol, period: pick([1e308, -5, "60", null, 0.5, 10 ** 12]) }),
    }),
    () => ({
      method: "POST",
      path: "/api/summarize/",
      headers: { "content-type": "text/plain" },
      body: "stock_symbol=X",
    }),
    () => ({
      method: "POST",
      path: "/api/aggregate/",
      headers: json,
      body: JSON.stringify({
        stock_symbol: symbol,
        field: pick(["close", "nope", "__proto__"]),
        aggregation: pick(["avg", "sum", ""]),
        extra: { a: [1, 2] },
      }),
    }),
    () => ({
      method: "POST",
      path: "/api/summarize/multiple/",
      headers: json,
      body: JSON.stringify({ stock_symbols: Array.from({ length: 200 }, (_, i) => `S${i}`), period: 60 }),
    }),
    // Larger than any request body the API accepts.
    () => ({
      method: "POST",
      path: "/api/summarize/",
      headers: json,
      body: `{"stock_symbol":"${"A".repeat(2_000_000)}"}`,
    }),
    () => ({
      method: "POST",
      path: "/api/aggregate/",
      headers: json,
      body: encoder.encode(`{"stock_symbol":"\uD800"}`),
    }),
  ];
  return pick(kinds)();
}
