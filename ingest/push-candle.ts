/**
 * A candle push of Nobitex's stream (channel `public:candle-{SYMBOL}-{RESOLUTION}`) as a Candle.
 * Nobitex sends the publication's `data` as a JSON *string* holding `{"t","o","h","l","c","v"}`
 * (`t` the open time in unix seconds, prices in the market's UDF unit: toman for IRT), so it is parsed a
 * second time; an object is accepted too (a server publishing plain JSON). What is not a candle at all
 * is reported with a reason and dropped by the caller; value checks (NaN, low > high ...) are the
 * poller's, the same as for a polled candle.
 */
import type { Candle } from "@shamdan/shared/core/udf";

export type MalformedPush = "not_json" | "bad_shape";

export type ParsedPush = { candle: Candle } | { malformed: MalformedPush; detail: string };

const FIELDS = ["t", "o", "h", "l", "c", "v"] as const;

export function parsePushData(data: unknown): ParsedPush {
  let body = data;
  if (typeof data === "string") {
    try {
      body = JSON.parse(data);
    } catch {
      return { malformed: "not_json", detail: data.slice(0, 80) };
    }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { malformed: "bad_shape", detail: `not an object: ${JSON.stringify(body)?.slice(0, 80)}` };
  }
  const record = body as Record<string, unknown>;
  for (const field of FIELDS) {
    // Finite-ness and consistency are validation (counted as rejected candles), not shape.
    if (typeof record[field] !== "number")
      return { malformed: "bad_shape", detail: `${field} is not a number` };
  }
  const t = record.t as number;
  if (!Number.isSafeInteger(t)) return { malformed: "bad_shape", detail: "t is not an integer" };
  return {
    candle: {
      openTime: t * 1000,
      open: record.o as number,
      high: record.h as number,
      low: record.l as number,
      close: record.c as number,
      volume: record.v as number,
    },
  };
}

/** The candle channel of a symbol at a resolution, as Nobitex names it. */
export const candleChannel = (symbol: string, resolution: string) => `public:candle-${symbol}-${resolution}`;
