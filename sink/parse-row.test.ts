import { describe, expect, test } from "bun:test";
import { textEncoder } from "@shamdan/shared/bus/bus";
import { parseMessage } from "@shamdan/shared/bus/parse-message";
import { prng } from "@shamdan/shared/indicators/testing";
import { IndicatorRowSchema } from "@shamdan/shared/messages";
import { expectSameAsValibot, mutatedJson } from "@shamdan/shared/testing/fast-parser-property";
import { parseRow } from "./parse-row.ts";

const valid = {
  v: 1,
  symbol: "BTCIRT",
  openTime: 1_700_000_040_000,
  open: 10.5,
  high: 12,
  low: 9.75,
  close: 11,
  volume: 0.123,
  sma: 10.9,
  ema: 10.8,
  delta: 0.5,
  gain: 0.5,
  loss: 0,
  avgGain: 0.3,
  avgLoss: 0.1,
  rs: 3,
  rsi: 75,
  signal: "HOLD",
  signalChanged: false,
  replaced: false,
};
const FIELDS = Object.keys(valid);
const NULLABLE = ["sma", "ema", "delta", "gain", "loss", "avgGain", "avgLoss", "rs", "rsi"];

/** Values that probe every rule: types, signs, integers, non-finite (1e999), signals, edges. */
const ODD: unknown[] = [
  null,
  true,
  false,
  "1",
  "",
  "BUY",
  "SELL",
  "HOLD",
  "buy",
  "BTCIRT",
  "btcirt",
  "B",
  "A".repeat(20),
  "A".repeat(21),
  "BTC-IRT",
  0,
  -0,
  1,
  2,
  -1,
  -0.5,
  0.5,
  1e-300,
  2 ** 53 - 1,
  2 ** 53,
  1.5e12,
  [],
  {},
  [1],
];

function randomMessage(rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const m: Record<string, unknown> = { ...valid, signal: pick(["BUY", "SELL", "HOLD"]) };
  m.signalChanged = rnd() < 0.5;
  m.replaced = rnd() < 0.2;
  for (const f of [...NULLABLE, "open", "high", "low", "close", "volume"]) m[f] = (rnd() - 0.2) * 100;
  // Warming-up rows carry nulls; most rows are otherwise realistic.
  for (const f of NULLABLE) if (rnd() < 0.2) m[f] = null;
  for (const f of ["open", "high", "low", "close", "volume"]) m[f] = Math.abs(m[f] as number);
  return mutatedJson(m, ODD, rnd);
}

describe("parseRow", () => {
  test("is parseMessage(IndicatorRowSchema) for 20,000 random valid and invalid messages", () => {
    expectSameAsValibot({
      fast: parseRow,
      schema: IndicatorRowSchema,
      randomMessage,
      rnd: prng(20_261_126),
      fields: FIELDS,
    });
  });

  test("non-JSON, arrays, primitives and an empty tombstone get valibot's reasons", () => {
    for (const text of ["{", "", "[]", "null", "1", '"x"', JSON.stringify({ ...valid, signal: "WAIT" })]) {
      const bytes = textEncoder.encode(text);
      const fast = parseRow(bytes);
      expect(fast.ok).toBe(false);
      expect(fast).toEqual(parseMessage(IndicatorRowSchema, bytes));
    }
  });

  test("keeps -0 and nulls exactly as valibot does", () => {
    // JSON.stringify writes -0 as 0: put the literal in by hand.
    const text = JSON.stringify({ ...valid, open: 1, sma: null, rs: null }).replace('"open":1', '"open":-0');
    const bytes = textEncoder.encode(text);
    const fast = parseRow(bytes);
    expect(fast).toEqual(parseMessage(IndicatorRowSchema, bytes));
    expect(fast.ok && Object.is(fast.value.open, -0)).toBe(true);
  });
});
