import { describe, expect, test } from "bun:test";
import { textEncoder } from "@shamdan/shared/core/bus";
import { CandleMessageSchema } from "@shamdan/shared/core/messages";
import { parseMessage } from "@shamdan/shared/core/parse-message";
import { EARLIEST_CANDLE_MS, MAX_CANDLE_LEAD_MS, MAX_CANDLE_VALUE } from "@shamdan/shared/core/plausibility";
import { mulberry32 as prng } from "@shamdan/shared/core/prng";
import { expectSameAsValibot, mutatedJson } from "@shamdan/shared/testing/fast-parser-property";
import { parseCandle } from "./parse-candle.ts";

const DAY = 24 * 60 * 60 * 1000;

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
  // Plausibility edges (shared/core/plausibility.ts): open times around 2010 and around now + 1 day, values
  // around the absurd bound. None is within a second of a bound that moves with the clock.
  EARLIEST_CANDLE_MS - 1,
  EARLIEST_CANDLE_MS,
  Date.now() + MAX_CANDLE_LEAD_MS - 60_000,
  Date.now() + MAX_CANDLE_LEAD_MS + 60_000,
  Date.now() + 2 * DAY,
  MAX_CANDLE_VALUE,
  MAX_CANDLE_VALUE * 1.01,
  1e308,
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

  test("implausible open times and absurd values are refused with a reason naming them", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ openTime: 0 }, "before 2010-01-01"],
      [{ openTime: 60_000 }, "before 2010-01-01"],
      [{ openTime: EARLIEST_CANDLE_MS - 60_000 }, "before 2010-01-01"],
      [{ openTime: Date.now() + 2 * DAY }, "more than a day ahead"],
      [{ openTime: 2 ** 53 - 1 }, "more than a day ahead"],
      [{ high: 1e19 }, "absurd value"],
      [{ volume: 1e300 }, "absurd value"],
    ];
    for (const [change, words] of cases) {
      const bytes = textEncoder.encode(JSON.stringify({ ...valid, ...change }));
      const fast = parseCandle(bytes);
      expect(fast).toEqual({ ok: false, reason: expect.stringContaining(words) });
      expect(fast).toEqual({ ok: false, reason: expect.stringContaining("implausible: ") });
      expect(fast).toEqual(parseMessage(CandleMessageSchema, bytes));
    }
    // The bounds themselves are plausible: 2010-01-01 and a candle opening a little under a day ahead.
    for (const openTime of [EARLIEST_CANDLE_MS, Date.now() + MAX_CANDLE_LEAD_MS - 60_000])
      expect(parseCandle(textEncoder.encode(JSON.stringify({ ...valid, openTime }))).ok).toBe(true);
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
