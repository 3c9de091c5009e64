/**
 * Every HTTP input and output of the API as valibot schemas, built once from the configuration (column
 * names carry the configured periods; limits come from config). Routes validate with these exact
 * objects and `/openapi.json` is generated from them, so the documentation cannot drift from the code.
 */
import type { Config } from "@shamdan/shared/core/config";
import { SignalSchema } from "@shamdan/shared/core/messages";
import { AGGREGATIONS } from "@shamdan/shared/core/store";
import { isSymbol, SYMBOL_PATTERN } from "@shamdan/shared/core/symbol";
import * as v from "valibot";
import type { FieldMap } from "./fields.ts";
import { InstantSchema } from "./instant.ts";

/** Candle intervals the API downsamples to, in seconds. */
export const INTERVALS = {
  "1m": 60,
  "3m": 180,
  "5m": 300,
  "15m": 900,
  "30m": 1800,
  "1h": 3600,
  "2h": 7200,
  "4h": 14_400,
  "6h": 21_600,
  "12h": 43_200,
  "1d": 86_400,
} as const;
export type Interval = keyof typeof INTERVALS;
const intervalNames = Object.keys(INTERVALS) as [Interval, ...Interval[]];

export const MAX_ROWS_PER_REQUEST = 10_000;
/** Covers a day of 1-minute candles (1,440) in one response. */
export const DEFAULT_ROWS_PER_REQUEST = 1500;

export const SymbolSchema = v.pipe(
  v.string("must be a string"),
  v.maxLength(20, "symbols are 2-20 letters or digits"),
  v.toUpperCase(),
  v.regex(SYMBOL_PATTERN, "symbols are 2-20 letters or digits, e.g. BTCIRT"),
  v.description("Market symbol, e.g. BTCIRT (case-insensitive)."),
);

const nullableNumber = v.nullable(v.number());
const StatsSchema = v.object({ avg: nullableNumber, highest: nullableNumber, lowest: nullableNumber });
const queryBoolean = v.pipe(
  v.picklist(["true", "false", "1", "0"], "must be true or false"),
  v.transform((s) => s === "true" || s === "1"),
);
const queryLimit = v.pipe(
  v.string(),
  v.regex(/^\d{1,6}$/, `must be an integer from 1 to ${MAX_ROWS_PER_REQUEST}`),
  v.transform(Number),
  v.minValue(1, "must be at least 1"),
  v.maxValue(MAX_ROWS_PER_REQUEST, `must be at most ${MAX_ROWS_PER_REQUEST}`),
);
const ErrorSchema = v.object({
  error: v.pipe(v.string(), v.description("Stable machine-readable code, e.g. invalid_request.")),
  message: v.string(),
  issues: v.optional(v.array(v.object({ field: v.string(), message: v.string() }))),
});

// Long on purpose: a declarative list of request and response schemas sharing the config's limits.
export function apiSchemas(
  config: Pick<Config, "API_MAX_PERIOD_MINUTES" | "API_MAX_SYMBOLS">,
  fields: FieldMap,
) {
  const maxPeriod = config.API_MAX_PERIOD_MINUTES;
  const periodMessage = `must be an integer number of minutes from 1 to ${maxPeriod}`;
  // Django REST's IntegerField also took "5"; existing clients may send either.
  const Period = v.pipe(
    v.union(
      [v.number(), v.pipe(v.string(), v.regex(/^\s*\d{1,9}\s*$/, periodMessage), v.transform(Number))],
      periodMessage,
    ),
    v.integer(periodMessage),
    v.minValue(1, periodMessage),
    v.maxValue(maxPeriod, periodMessage),
    v.description("The last N minutes up to `end`: rows with end - N min <= local_time <= end."),
  );
  const End = v.optional(InstantSchema);
  const symbolsList = v.pipe(
    v.string(),
    v.maxLength(21 * config.API_MAX_SYMBOLS),
    v.transform((s) => s.split(",").map((x) => x.trim().toUpperCase())),
    v.maxLength(config.API_MAX_SYMBOLS, `at most ${config.API_MAX_SYMBOLS} symbols`),
    v.check((list) => list.every(isSymbol), "symbols are 2-20 letters or digits, e.g. BTCIRT"),
    v.description("One symbol or a comma-separated list."),
  );
  const Summary = v.object({
    close: StatsSchema,
    [fields.sma]: StatsSchema,
    [fields.ema]: StatsSchema,
    [fields.rsi]: StatsSchema,
    gain_loss: v.object({ highest_gain: nullableNumber, highest_loss: nullableNumber }),
  });
  const indicatorOutputs = {
    [fields.sma]: nullableNumber,
    [fields.ema]: nullableNumber,
    [fields.rsi]: nullableNumber,
  };
  const Signal = v.object({
    symbol: v.string(),
    time: v.pipe(v.string(), v.description("Candle open time, ISO-8601 UTC.")),
    open_time: v.pipe(v.number(), v.description("Candle open time, epoch milliseconds UTC.")),
    close: v.number(),
    signal: SignalSchema,
    signal_changed: v.boolean(),
    ...indicatorOutputs,
  });

  return {
    Error: ErrorSchema,
    AggregateBody: v.strictObject({
      aggregation: v.picklist(AGGREGATIONS, `must be one of ${AGGREGATIONS.join(", ")}`),
      stock_symbol: SymbolSchema,
      period: Period,
      field: v.picklist(fields.columns, `must be one of ${fields.columns.join(", ")}`),
      end: End,
    }),
    AggregateResponse: v.object({
      avg: v.optional(nullableNumber),
      highest: v.optional(nullableNumber),
      lowest: v.optional(nullableNumber),
      field: v.string(),
      stock_symbol: v.string(),
    }),
    SummarizeBody: v.strictObject({ stock_symbol: SymbolSchema, period: Period, end: End }),
    SummarizeResponse: v.object({ stock_symbol: v.string(), period: v.number(), summary: Summary }),
    SummarizeMultipleBody: v.strictObject({
      stock_symbol: v.pipe(
        v.array(SymbolSchema, "must be a list of symbols"),
        v.minLength(1, "needs at least one symbol"),
        v.maxLength(config.API_MAX_SYMBOLS, `at most ${config.API_MAX_SYMBOLS} symbols`),
      ),
      period: Period,
      end: End,
    }),
    SummarizeMultipleResponse: v.object({
      period: v.number(),
      summaries: v.record(v.string(), Summary),
      errors: v.record(v.string(), v.string()),
    }),
    SymbolsResponse: v.object({
      symbols: v.array(
        v.object({
          symbol: v.string(),
          configured: v.boolean(),
          last_candle_time: v.nullable(v.string()),
          last_open_time: v.nullable(v.number()),
          latest_signal: v.nullable(SignalSchema),
          rows: v.number(),
        }),
      ),
    }),
    CandlesQuery: v.strictObject({
      symbol: SymbolSchema,
      from: v.optional(InstantSchema),
      to: v.optional(InstantSchema),
      interval: v.optional(v.picklist(intervalNames, `must be one of ${intervalNames.join(", ")}`), "1m"),
      limit: v.optional(queryLimit),
    }),
    CandlesResponse: v.object({
      symbol: v.string(),
      interval: v.string(),
      from: v.string(),
      to: v.string(),
      next_from: v.pipe(
        v.nullable(v.string()),
        v.description("Set when `limit` cut the answer short: pass it as `from` for the next page."),
      ),
      candles: v.array(
        v.object({
          time: v.string(),
          open_time: v.number(),
          open: v.number(),
          high: v.number(),
          low: v.number(),
          close: v.number(),
          volume: v.number(),
          ...indicatorOutputs,
          signal: SignalSchema,
        }),
      ),
    }),
    SignalsQuery: v.strictObject({
      symbol: v.optional(SymbolSchema),
      from: v.optional(InstantSchema),
      to: v.optional(InstantSchema),
      changes_only: v.optional(queryBoolean),
      limit: v.optional(queryLimit),
    }),
    LatestQuery: v.strictObject({ symbol: v.optional(symbolsList) }),
    SignalsResponse: v.object({
      signals: v.array(Signal),
      next_from: v.optional(
        v.pipe(
          v.nullable(v.string()),
          v.description("Set when `limit` cut the answer short: pass it as `from` for the next page."),
        ),
      ),
    }),
    StreamQuery: v.strictObject({ symbol: v.optional(symbolsList) }),
    Signal,
  };
}

export type ApiSchemas = ReturnType<typeof apiSchemas>;
