/**
 * The versioned JSON messages on the bus, defined once. Producers build them with these types;
 * consumers `safeParse` them and send anything that fails to the dead-letter topic with the reason.
 *
 * Times are epoch milliseconds UTC (the candle's open time), never local time.
 */
import { SignalKind, SignalSchema } from "@shamdan/indicators";
import * as v from "valibot";
import { EARLIEST_CANDLE_MS, MAX_CANDLE_LEAD_MS, MAX_CANDLE_VALUE } from "./plausibility.ts";
import { SYMBOL_PATTERN } from "./symbol.ts";

const finite = v.pipe(v.number(), v.finite());
const price = v.pipe(finite, v.minValue(0, "prices are never negative"));
const nullableFinite = v.nullable(finite);

/**
 * Starts the message of every plausibility issue (shared/core/plausibility.ts), so a consumer can count
 * implausible candles apart from malformed ones.
 */
export const IMPLAUSIBLE = "implausible";
const absurd = (issue: { received: string }) =>
  `${IMPLAUSIBLE}: ${issue.received} exceeds ${MAX_CANDLE_VALUE} (absurd value)`;
const candlePrice = v.pipe(price, v.maxValue(MAX_CANDLE_VALUE, absurd));

// The signal the indicator engine computes is the message's signal.
export { SignalKind, SignalSchema };

/** One OHLCV candle as published by ingest on `<symbol>_topic` (key = symbol). */
export const CandleMessageSchema = v.pipe(
  v.object({
    v: v.literal(1),
    symbol: v.pipe(v.string(), v.regex(SYMBOL_PATTERN, "symbol must be 2-20 upper-case letters or digits")),
    resolution: v.string(),
    // A plausible candle time (shared/core/plausibility.ts): a schema-valid 0 or 2^53 - 1 would reach
    // indicator state and storage (QuestDB refuses timestamps far outside its range).
    openTime: v.pipe(
      v.number(),
      v.safeInteger(),
      v.minValue(
        EARLIEST_CANDLE_MS,
        (issue) => `${IMPLAUSIBLE}: ${issue.received} is before 2010-01-01 (not a plausible candle time)`,
      ),
      v.check(
        (t) => t <= Date.now() + MAX_CANDLE_LEAD_MS,
        (issue) => `${IMPLAUSIBLE}: ${issue.received} is more than a day ahead of the clock`,
      ),
    ),
    open: candlePrice,
    high: candlePrice,
    low: candlePrice,
    close: candlePrice,
    volume: v.pipe(finite, v.minValue(0, "volume is never negative"), v.maxValue(MAX_CANDLE_VALUE, absurd)),
    fetchedAt: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  }),
  v.check(
    (c) => c.low <= Math.min(c.open, c.close) && Math.max(c.open, c.close) <= c.high,
    "candle must satisfy low <= min(open, close) <= max(open, close) <= high",
  ),
);
export type CandleMessage = v.InferOutput<typeof CandleMessageSchema>;

/**
 * One processed row on `output_topic` (key = symbol): the candle, its indicators and its signal.
 * Indicator values are `null` while warming up or where undefined (rs with no losses), never 0.
 */
export const IndicatorRowSchema = v.object({
  v: v.literal(1),
  symbol: v.pipe(v.string(), v.regex(SYMBOL_PATTERN)),
  openTime: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  open: price,
  high: price,
  low: price,
  close: price,
  volume: v.pipe(finite, v.minValue(0)),
  sma: nullableFinite,
  ema: nullableFinite,
  delta: nullableFinite,
  gain: nullableFinite,
  loss: nullableFinite,
  avgGain: nullableFinite,
  avgLoss: nullableFinite,
  rs: nullableFinite,
  rsi: nullableFinite,
  signal: SignalSchema,
  /** The signal differs from the previous candle's (alerts fire on changes, not on every row). */
  signalChanged: v.boolean(),
  /** True when this row replaces an earlier row for the same open time (re-delivered open candle). */
  replaced: v.boolean(),
});
export type IndicatorRow = v.InferOutput<typeof IndicatorRowSchema>;

/** The numeric columns of an IndicatorRow, in table order. */
export const ROW_NUMBER_FIELDS = [
  "open",
  "high",
  "low",
  "close",
  "volume",
  "sma",
  "ema",
  "delta",
  "gain",
  "loss",
  "avgGain",
  "avgLoss",
  "rs",
  "rsi",
] as const satisfies readonly (keyof IndicatorRow)[];

/**
 * What goes to the dead-letter topic: why, where from, and the original bytes (base64). A letter stays
 * under a size bound (shared/core/dead-letter.ts): a larger original is cut, and `truncated`,
 * `originalBytes` and `originalSha256` say so and still identify it. Those three are optional for
 * readers: letters written before they existed lack them (and were never truncated).
 */
export interface DeadLetter {
  v: 1;
  reason: string;
  source: { topic: string; partition: number; offset: string; key: string | null };
  /** The original bytes, base64; only the first ones when `truncated`. */
  originalBase64: string;
  failedAt: number;
  service: string;
  /** Length of the full original, in bytes. */
  originalBytes?: number;
  /** True when `originalBase64` holds only a prefix of the original. */
  truncated?: boolean;
  /** SHA-256 (hex) of the full original. */
  originalSha256?: string;
}
