import { describe, expect, test } from "bun:test";
import { textEncoder } from "@shamdan/shared/bus/bus";
import { parseMessage } from "@shamdan/shared/bus/parse-message";
import { prng } from "@shamdan/shared/indicators/testing";
import { CandleMessageSchema } from "@shamdan/shared/messages";
import { expectSameAsValibot, mutatedJson } from "@shamdan/shared/testing/fast-parser-property";
import { parseCandle } from "./parse-candle.ts";

const valid = {
  v: 1,
  symbol: "BTCIRT",
  resolution: "1",
  openTime: 1_700_000_040_000,
  open: 10.5,
  high: 12,
  low: 9.75,
  close: 11,
  volume: 0.123,
  fetchedAt: 1_700_000_100_000,
};
const FIELDS = Object.keys(valid);

/** Values that probe every rule: types, signs, bounds, integers, non-finite (1e999), edges. */
const ODD: unknown[] = [
  null,
  true,
  "1",
  "",
  "BTCIRT",
  "btcirt",
  "B",
  "A".repeat(20),
  "A".repeat(21),
  "BTC-IRT",
  "BTCIRT\n",
  0,
  -0,
  1,
  2,
  -1,
  0.5,
  1e-300,
  9.75,
  12,
  12.0001,
  9.7499,
  2 ** 53 - 1,
  2 ** 53,
  1.5e12,
  [],
  {},
  [1],
];

function randomMessage(rnd: () => number): string {
  const m: Record<string, unknown> = { ...valid };
  // Realistic valid candles half the time; mutations (1-3 fields) the other half.
  const o = 1 + rnd() * 100;
  const c = o * (0.9 + rnd() * 0.2);
  Object.assign(m, {
    open: o,
    close: c,
    high: Math.max(o, c) * (1 + rnd() * 0.01),
    low: Math.min(o, c) * (1 - rnd() * 0.01),
    volume: rnd() * 10,
  });
  return mutatedJson(m, ODD, rnd);
}

describe("parseCandle", () => {
  test("is parseMessage(CandleMessageSchema) for 20,000 random valid and invalid messages", () => {
    expectSameAsValibot({
      fast: parseCandle,
      schema: CandleMessageSchema,
      randomMessage,
      rnd: prng(20_251_126),
      fields: FIELDS,
    });
  });

  test("non-JSON, arrays and primitives get valibot's reasons", () => {
    for (const text of ["{", "", "[]", "null", "1", '"x"', JSON.stringify({ ...valid, low: 13 })]) {
      const bytes = textEncoder.encode(text);
      const fast = parseCandle(bytes);
      expect(fast.ok).toBe(false);
      expect(fast).toEqual(parseMessage(CandleMessageSchema, bytes));
    }
  });
});
