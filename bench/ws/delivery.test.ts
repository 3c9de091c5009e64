import { describe, expect, test } from "bun:test";
import { type CandleValues, DeliveryLog } from "./delivery.ts";

const candle = (symbol: string, close: number, openTime = 60_000): CandleValues => ({
  symbol,
  openTime,
  open: 100,
  high: Math.max(100, close),
  low: 100,
  close,
  volume: close - 99,
});

describe("DeliveryLog", () => {
  test("an arrival carrying an update's values delivers it, once", () => {
    const log = new DeliveryLog();
    log.published(candle("A", 101), 1000, true);
    log.published(candle("B", 101), 1100, true);
    log.arrived(candle("B", 101), 1105);
    log.arrived(candle("A", 101), 1012);
    log.arrived(candle("A", 101), 1500);
    expect(log.latencies).toEqual([5, 12]);
    expect(log.exact).toBe(2);
    expect(log.counted).toBe(2);
  });

  test("a later update's arrival also delivers the earlier ones of its symbol it superseded", () => {
    const log = new DeliveryLog();
    log.published(candle("A", 101), 0, true);
    log.published(candle("A", 102), 1000, true);
    log.published(candle("B", 101), 1500, true);
    log.published(candle("A", 103), 2000, true);
    log.arrived(candle("A", 102), 5000);
    expect(log.latencies).toEqual([5000, 4000]);
    expect(log.exact).toBe(1);
    expect(log.reached("A")).toBe(true);
    expect(log.reached("B")).toBe(false);
    // The final values of the same minute, then the next minute, as a poll publishes them.
    log.arrived(candle("A", 103), 10_000);
    expect(log.latencies).toEqual([5000, 4000, 8000]);
    expect(log.delivered).toBe(3);
  });

  test("values no update had, or another minute's, deliver nothing; warm-up updates are not counted", () => {
    const log = new DeliveryLog();
    log.published(candle("A", 101), 0, false);
    log.published(candle("A", 102), 1000, true);
    log.arrived(candle("A", 102, 120_000), 1500);
    log.arrived({ ...candle("A", 102), volume: 99 }, 1500);
    expect(log.delivered).toBe(0);
    expect(log.reached("A")).toBe(false);
    log.arrived(candle("A", 101), 1200);
    expect(log.reached("A")).toBe(true);
    expect(log.delivered).toBe(0);
    log.arrived(candle("A", 102), 1300);
    expect(log.latencies).toEqual([300]);
    expect(log.counted).toBe(1);
  });
});
