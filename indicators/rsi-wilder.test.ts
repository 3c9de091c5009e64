import { expect, test } from "bun:test";
import * as v from "valibot";
import { indicatorContract } from "./indicator.contract.ts";
import { WilderRSI, WilderRsiStateSchema } from "./rsi-wilder.ts";

for (const period of [1, 2, 10, 14]) {
  indicatorContract({
    name: `WilderRSI(${period})`,
    create: () => new WilderRSI(period),
    restore: (s) => WilderRSI.restore(v.parse(WilderRsiStateSchema, s)),
    warmup: period,
  });
}

test("starts from the mean of the first n changes, then smooths (Wilder)", () => {
  const rsi = new WilderRSI(2);
  expect(rsi.update(10)).toBeNull();
  expect(rsi.update(12)).toBeNull(); // +2
  expect(rsi.delta).toBe(2);
  expect(rsi.update(11)).toBeCloseTo((100 * 1) / (1 + 0.5), 12); // avgGain 1, avgLoss 0.5
  expect([rsi.avgGain, rsi.avgLoss, rsi.rs]).toEqual([1, 0.5, 2]);
  rsi.update(14); // +3: avgGain (1 + 3) / 2 = 2, avgLoss 0.25
  expect([rsi.avgGain, rsi.avgLoss, rsi.gain, rsi.loss]).toEqual([2, 0.25, 3, 0]);
});

test("a flat window gives TA-Lib's 0 (TradingView would say 100) and rs null", () => {
  const rsi = new WilderRSI(3);
  for (const x of [5, 5, 5, 5]) rsi.update(x);
  expect(rsi.result).toBe(0);
  expect(rsi.rs).toBeNull();
});

test("only gains: RSI 100, rs undefined (avgLoss 0)", () => {
  const rsi = new WilderRSI(3);
  for (const x of [1, 2, 3, 4]) rsi.update(x);
  expect(rsi.result).toBe(100);
  expect(rsi.rs).toBeNull();
});

test("RSI does not depend on the price scale (no TA_IS_ZERO epsilon)", () => {
  const a = new WilderRSI(3);
  const b = new WilderRSI(3);
  for (const x of [1, 1.5, 1.25, 1.75, 1.5]) {
    a.update(x);
    b.update(x * 1e-15);
  }
  expect(b.result as number).toBeCloseTo(a.result as number, 9);
});
