import { expect, test } from "bun:test";
import { crossoverWithRsiFilter, signalOf } from "./signal.ts";

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

test("the engine's form (signalOf: NaN for undefined) follows the rule as written, NaN inputs included", () => {
  type In = number | null;
  const rule = (sma: In, ema: In, rsi: In) => {
    if (sma === null || ema === null || rsi === null) return "HOLD";
    if (sma > ema && rsi < t.rsiBuyBelow) return "BUY";
    if (sma < ema && rsi > t.rsiSellAbove) return "SELL";
    return "HOLD";
  };
  const inputs = [null, Number.NaN, 1, 2, 29, 30, 31, 69, 70, 71];
  const wrong: string[] = [];
  for (const sma of inputs)
    for (const ema of inputs)
      for (const rsi of inputs) {
        const expected = rule(sma, ema, rsi);
        const nan = signalOf(sma ?? Number.NaN, ema ?? Number.NaN, rsi ?? Number.NaN, t);
        if (crossoverWithRsiFilter(sma, ema, rsi, t) !== expected || nan !== expected)
          wrong.push(`${sma} ${ema} ${rsi}: want ${expected}`);
      }
  expect(wrong).toEqual([]);
});
