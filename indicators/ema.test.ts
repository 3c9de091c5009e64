import { expect, test } from "bun:test";
import * as v from "valibot";
import { EMA, EmaStateSchema } from "./ema.ts";
import { indicatorContract } from "./indicator.contract.ts";

for (const style of ["talib", "pandas"] as const) {
  for (const period of [1, 2, 10]) {
    indicatorContract({
      name: `EMA(${period}, ${style})`,
      create: () => new EMA(period, style),
      restore: (s) => EMA.restore(v.parse(EmaStateSchema, s)),
      warmup: period - 1,
    });
  }
}

test("talib style is seeded with the SMA of the first n values", () => {
  const ema = new EMA(3, "talib");
  expect([2, 4, 6].map((x) => ema.update(x))).toEqual([null, null, 4]);
  // k = 2 / (3 + 1) = 0.5
  expect(ema.update(8)).toBe(6);
});

test("pandas style is seeded with the first value (adjust=False), output from index n-1", () => {
  const ema = new EMA(3, "pandas");
  // alpha = 0.5: 2 -> 3 -> 4.5 -> 6.25
  expect([2, 4, 6, 8].map((x) => ema.update(x))).toEqual([null, null, 4.5, 6.25]);
});
