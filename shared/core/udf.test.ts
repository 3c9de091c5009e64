import { expect, test } from "bun:test";
import * as v from "valibot";
import { splitUdfCandles, type UdfOk, UdfOkSchema } from "./udf.ts";

const ok = (overrides: Partial<UdfOk> = {}): UdfOk => ({
  s: "ok",
  t: [60, 120],
  o: [1, 2],
  h: [1.5, 2.5],
  l: [0.5, 1.5],
  c: [1.2, 2.2],
  v: [10, 20],
  ...overrides,
});

test("columns become candles, open times in epoch ms", () => {
  expect(splitUdfCandles(ok()).candles).toEqual([
    { openTime: 60_000, open: 1, high: 1.5, low: 0.5, close: 1.2, volume: 10 },
    { openTime: 120_000, open: 2, high: 2.5, low: 1.5, close: 2.2, volume: 20 },
  ]);
});

test("ragged columns: the schema refuses them, and a hand-built response fails naming the short column", () => {
  expect(v.safeParse(UdfOkSchema, ok({ c: [1.2] })).success).toBe(false);
  expect(() => splitUdfCandles(ok({ c: [1.2] }))).toThrow("UDF column c has no value at 1");
});

test("open times must strictly increase", () => {
  expect(v.safeParse(UdfOkSchema, ok()).success).toBe(true);
  expect(v.safeParse(UdfOkSchema, ok({ t: [120, 120] })).success).toBe(false);
  expect(v.safeParse(UdfOkSchema, ok({ t: [120, 60] })).success).toBe(false);
});
