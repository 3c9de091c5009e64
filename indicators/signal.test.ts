import { expect, test } from "bun:test";
import { crossoverWithRsiFilter } from "./signal.ts";

const t = { rsiBuyBelow: 70, rsiSellAbove: 30 };

test.each([
  [null, 1, 50, "HOLD"],
  [1, null, 50, "HOLD"],
  [2, 1, null, "HOLD"],
  [2, 1, 50, "BUY"],
  [2, 1, 69.999, "BUY"],
  [2, 1, 70, "HOLD"], // RSI not below the threshold
  [1, 2, 50, "SELL"],
  [1, 2, 30, "HOLD"], // RSI not above the threshold
  [1, 2, 30.001, "SELL"],
  [1, 1, 50, "HOLD"], // SMA == EMA
] as const)("sma %p ema %p rsi %p -> %p", (sma, ema, rsi, expected) => {
  expect(crossoverWithRsiFilter(sma, ema, rsi, t)).toBe(expected);
});

test("thresholds are configurable", () => {
  expect(crossoverWithRsiFilter(2, 1, 75, { rsiBuyBelow: 80, rsiSellAbove: 20 })).toBe("BUY");
  expect(crossoverWithRsiFilter(1, 2, 25, { rsiBuyBelow: 80, rsiSellAbove: 20 })).toBe("SELL");
  expect(crossoverWithRsiFilter(1, 2, 25, { rsiBuyBelow: 80, rsiSellAbove: 25 })).toBe("HOLD");
});
