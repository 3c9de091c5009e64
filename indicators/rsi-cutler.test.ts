import { expect, test } from "bun:test";
import * as v from "valibot";
import { indicatorContract } from "./indicator.contract.ts";
import { CutlerRSI, CutlerRsiStateSchema } from "./rsi-cutler.ts";

for (const period of [1, 2, 10]) {
  indicatorContract({
    name: `CutlerRSI(${period})`,
    create: () => new CutlerRSI(period),
    restore: (s) => CutlerRSI.restore(v.parse(CutlerRsiStateSchema, s)),
    warmup: period,
    nullableWhenStable: true,
  });
}

test("simple means of the last n gains and losses (pandas rolling), first at index n", () => {
  const rsi = new CutlerRSI(2);
  expect([10, 12, 11].map((x) => rsi.update(x))).toEqual([null, null, 100 - 100 / (1 + 1 / 0.5)]);
  expect([rsi.avgGain, rsi.avgLoss, rsi.rs]).toEqual([1, 0.5, 2]);
  rsi.update(14); // window of changes: -1, +3
  expect([rsi.avgGain, rsi.avgLoss]).toEqual([1.5, 0.5]);
  rsi.update(15); // +3, +1: no losses
  expect([rsi.avgGain, rsi.avgLoss, rsi.rs, rsi.result]).toEqual([2, 0, null, null]);
});

test("a window of zero losses is exactly 0 even after losses left it", () => {
  const rsi = new CutlerRSI(3);
  for (const x of [1, 0.9, 0.8000001, 0.8000001, 0.8000001, 0.8000001]) rsi.update(x);
  expect(rsi.avgLoss).toBe(0);
  expect(rsi.rs).toBeNull();
  expect(rsi.isStable).toBe(true);
});
