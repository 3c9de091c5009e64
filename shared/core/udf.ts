/**
 * The Nobitex `GET /market/udf/history` response (TradingView UDF shape), parsed with valibot.
 * `s` is `ok` (+ column arrays), `no_data`, or `error` (+ `errmsg`); docs/nobitex.md has the API facts.
 *
 * Two levels of checks:
 * - structural (this schema): a known `s`, column arrays of equal length, numbers, integer strictly
 *   increasing `t`. A failure rejects the whole page (an error of that poll, never a crash);
 * - per candle (`candleProblem`): finite values, `low <= min(open, close) <= max(open, close) <= high`,
 *   `volume >= 0`. A bad candle is dropped and reported; the rest of the page is kept. Finiteness is a
 *   per-candle check because `JSON.parse("1e999")` yields Infinity for one value, not a broken page.
 * - plausibility (`implausibility`, shared/core/plausibility.ts): an open time before 2010 or more than a day
 *   ahead of the clock, a value above 1e18. Kept out of `candleProblem` because the indicator engine
 *   shares that and is exercised with small synthetic times; ingest applies it to each polled page.
 */
import { type Candle, OhlcvProblem, ohlcvProblem } from "@shamdan/indicators";
import * as v from "valibot";
import { implausibleOpenTime, implausibleValues } from "./plausibility.ts";

const column = v.array(v.number("candle values must be numbers"));

export const UdfOkSchema = v.pipe(
  v.object({
    s: v.literal("ok"),
    t: v.array(v.pipe(v.number(), v.safeInteger("t must be integer unix seconds"), v.minValue(0))),
    o: column,
    h: column,
    l: column,
    c: column,
    v: column,
  }),
  v.check(
    (r) => [r.o, r.h, r.l, r.c, r.v].every((a) => a.length === r.t.length),
    "t, o, h, l, c, v must have equal length",
  ),
  v.check(
    (r) => r.t.every((t, i) => i === 0 || t > (r.t[i - 1] ?? Number.NEGATIVE_INFINITY)),
    "t must be strictly increasing",
  ),
);

export const UdfNoDataSchema = v.object({ s: v.literal("no_data"), nextTime: v.optional(v.number()) });
export const UdfErrorSchema = v.object({ s: v.literal("error"), errmsg: v.optional(v.string(), "") });

export const UdfResponseSchema = v.variant("s", [UdfOkSchema, UdfNoDataSchema, UdfErrorSchema]);

export type UdfOk = v.InferOutput<typeof UdfOkSchema>;
export type UdfResponse = v.InferOutput<typeof UdfResponseSchema>;

/** One candle as the rest of Shamdan sees it (the indicators package's type): open time in epoch ms UTC. */
export type { Candle };

/** The indicators package's OHLCV rule, plus what only live ingest judges (see `implausibility`). */
export const CandleProblem = {
  ...OhlcvProblem,
  implausibleTime: "implausible_time",
  implausibleValue: "implausible_value",
} as const;
export type CandleProblem = (typeof CandleProblem)[keyof typeof CandleProblem];

/** Why a candle is unusable, or null when it is fine: the same rule the indicator engine applies. */
export const candleProblem: (c: Candle) => CandleProblem | null = ohlcvProblem;

/** Why a candle that passed `candleProblem` still cannot be a real one at clock time `now`, or null. */
export function implausibility(c: Candle, now: number): CandleProblem | null {
  if (implausibleOpenTime(c.openTime, now) !== null) return CandleProblem.implausibleTime;
  const { open, high, low, close, volume } = c;
  if (implausibleValues({ open, high, low, close, volume }) !== null) return CandleProblem.implausibleValue;
  return null;
}

export interface RejectedCandle {
  index: number;
  openTime: number;
  reason: CandleProblem;
}

/** The schema checks the columns' lengths; a UdfOk built by hand may still be ragged. */
function valueAt(column: readonly number[], name: string, i: number): number {
  const value = column[i];
  if (value === undefined)
    throw new RangeError(`UDF column ${name} has no value at ${i}: columns must have equal length`);
  return value;
}

/** Columns to rows, keeping the valid candles and listing the rejected ones with their reason. */
export function splitUdfCandles(response: UdfOk): { candles: Candle[]; rejected: RejectedCandle[] } {
  const candles: Candle[] = [];
  const rejected: RejectedCandle[] = [];
  for (let i = 0; i < response.t.length; i++) {
    const candle: Candle = {
      openTime: valueAt(response.t, "t", i) * 1000,
      open: valueAt(response.o, "o", i),
      high: valueAt(response.h, "h", i),
      low: valueAt(response.l, "l", i),
      close: valueAt(response.c, "c", i),
      volume: valueAt(response.v, "v", i),
    };
    const reason = candleProblem(candle);
    if (reason === null) candles.push(candle);
    else rejected.push({ index: i, openTime: candle.openTime, reason });
  }
  return { candles, rejected };
}

/** The valid candles of a response (`no_data` has none). Rejected candles are dropped silently here. */
export function udfToCandles(response: UdfResponse): Candle[] {
  return response.s === "ok" ? splitUdfCandles(response).candles : [];
}

/** Rows back to the UDF column shape (fake server, fixtures). Open times in ms become unix seconds. */
export function candlesToUdf(candles: readonly Candle[]): UdfOk {
  return {
    s: "ok",
    t: candles.map((c) => Math.round(c.openTime / 1000)),
    o: candles.map((c) => c.open),
    h: candles.map((c) => c.high),
    l: candles.map((c) => c.low),
    c: candles.map((c) => c.close),
    v: candles.map((c) => c.volume),
  };
}
