import { expect, test } from "bun:test";
import * as v from "valibot";
import { indicatorContract } from "./indicator.contract.ts";
import { SMA, SmaStateSchema } from "./sma.ts";

for (const period of [1, 5, 30]) {
  indicatorContract({
    name: `SMA(${period})`,
    create: () => new SMA(period),
    restore: (s) => SMA.restore(v.parse(SmaStateSchema, s)),
    warmup: period - 1,
  });
}

test("SMA of 1..5 with period 3", () => {
  const sma = new SMA(3);
  expect([1, 2, 3, 4, 5].map((x) => sma.update(x))).toEqual([null, null, 2, 3, 4]);
});

test("rejects a period below 1", () => {
  expect(() => new SMA(0)).toThrow(RangeError);
});
