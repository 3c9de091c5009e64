/**
 * The processor's hot path: bytes → `CandleMessage`, with exactly the acceptance rules and output of
 * `parseMessage(CandleMessageSchema, bytes)` but without valibot's per-field pipeline for the common,
 * valid message (valibot's pipeline was most of a candle's cost in `PartitionTask.process`, measured in
 * `bun run bench pipeline`). The schema includes plausibility (shared/core/plausibility.ts: open
 * time 2010..now + 1 day, values up to 1e18).
 * Anything the hand check does not accept goes to valibot, which then decides and writes the reason,
 * so a fast-path bug can only cost speed, never accept a bad candle: `parse-candle.test.ts` checks
 * over random valid and invalid messages that both give identical results.
 */
import { type CandleMessage, CandleMessageSchema } from "@shamdan/shared/core/messages";
import { type Parsed, parseValue, readJson } from "@shamdan/shared/core/parse-message";
import { EARLIEST_CANDLE_MS, MAX_CANDLE_LEAD_MS, MAX_CANDLE_VALUE } from "@shamdan/shared/core/plausibility";
import { isSymbol } from "@shamdan/shared/core/symbol";

/** Finite, not negative, not absurd (NaN fails every comparison). */
const isPrice = (x: unknown): x is number => typeof x === "number" && x >= 0 && x <= MAX_CANDLE_VALUE;
const isTime = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
/**
 * Latest open time known to be plausible: `Date.now() + MAX_CANDLE_LEAD_MS` as of its last refresh, so
 * at most what the schema allows now. Refreshed only when a candle is later than it (about once a day
 * for live candles): reading the clock per candle showed in profiles of `bun run bench pipeline`.
 */
let latestPlausible = 0;
/** A plausible candle time (shared/core/plausibility.ts), as the schema checks it. */
function isOpenTime(x: unknown): x is number {
  if (!isTime(x) || x < EARLIEST_CANDLE_MS) return false;
  if (x <= latestPlausible) return true;
  latestPlausible = Date.now() + MAX_CANDLE_LEAD_MS;
  return x <= latestPlausible;
}

export function parseCandle(bytes: Uint8Array): Parsed<CandleMessage> {
  const json = readJson(bytes);
  if (!json.ok) return json;
  const candle = checked(json.value);
  return candle ? { ok: true, value: candle } : parseValue(CandleMessageSchema, json.value);
}

/** The candle in schema key order (valibot's object output drops unknown keys), or undefined. */
function checked(json: unknown): CandleMessage | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const m = json as Record<string, unknown>;
  const { v, symbol, resolution, openTime, open, high, low, close, volume, fetchedAt } = m;
  if (v !== 1 || typeof symbol !== "string" || !isSymbol(symbol) || typeof resolution !== "string")
    return undefined;
  if (!isOpenTime(openTime) || !isTime(fetchedAt)) return undefined;
  if (!isPrice(open) || !isPrice(high) || !isPrice(low) || !isPrice(close) || !isPrice(volume))
    return undefined;
  if (!(low <= Math.min(open, close) && Math.max(open, close) <= high)) return undefined;
  return { v, symbol, resolution, openTime, open, high, low, close, volume, fetchedAt };
}
