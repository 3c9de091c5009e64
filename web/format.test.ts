import { describe, expect, test } from "bun:test";
import { formatPrice, formatTime, fromChartTime, stats, toChartTime, zoneOffsetMs } from "./src/format.ts";
import { applyRow, type Bar, markersOf, mergeTail, scorecardRows } from "./src/model.ts";

const at = Date.UTC(2026, 11, 1, 14, 59); // 1 Dec 2026 14:59 UTC = 18:29 in Tehran

describe("time", () => {
  test("Tehran is UTC+3:30; chart times shift by the offset and back", () => {
    expect(zoneOffsetMs(at, "Asia/Tehran")).toBe(3.5 * 3_600_000);
    expect(zoneOffsetMs(at, "UTC")).toBe(0);
    const chart = toChartTime(at, "Asia/Tehran");
    expect(chart).toBe((at + 3.5 * 3_600_000) / 1000);
    expect(fromChartTime(chart, "Asia/Tehran")).toBe(at);
    // A zone with DST: New York in July is UTC-4, in December UTC-5.
    expect(zoneOffsetMs(Date.UTC(2026, 6, 1), "America/New_York")).toBe(-4 * 3_600_000);
    expect(zoneOffsetMs(at, "America/New_York")).toBe(-5 * 3_600_000);
  });

  test("Gregorian and Persian (Jalali) calendars, in Tehran or UTC", () => {
    expect(formatTime(at, { timeZone: "Asia/Tehran", calendar: "gregory" }, "time")).toBe("18:29");
    expect(formatTime(at, { timeZone: "UTC", calendar: "gregory" }, "time")).toBe("14:59");
    // 1 December 2026 is 10 Azar 1405.
    const persian = formatTime(at, { timeZone: "Asia/Tehran", calendar: "persian" });
    expect(persian).toContain("1405");
    expect(persian).toContain("10");
    expect(persian).toContain("آذر");
  });
});

describe("prices", () => {
  test("IRT markets in toman (as Nobitex's candles serve them) or rial (ten per toman), with separators", () => {
    expect(formatPrice(6_123_456_789, "BTCIRT", "toman")).toBe("6,123,456,789");
    expect(formatPrice(6_123_456_789, "BTCIRT", "rial")).toBe("61,234,567,890");
    expect(formatPrice(123.45, "USDTIRT", "rial")).toBe("1,235");
    expect(formatPrice(12.345, "ETHUSDT", "toman")).toBe("12.35");
    expect(formatPrice(0.08983, "ETHBTC", "toman")).toBe("0.08983");
    expect(formatPrice(null, "BTCIRT", "toman")).toBe("–");
  });

  test("highest / average / lowest", () => {
    expect(stats([3, 1, 2])).toEqual({ highest: 3, avg: 2, lowest: 1 });
    expect(stats([])).toBeNull();
  });
});

const bar = (minute: number, close: number, signal: Bar["signal"]): Bar => ({
  openTime: minute * 60_000,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1,
  sma: null,
  ema: null,
  rsi: null,
  signal,
});

describe("bars", () => {
  test("a live row replaces the forming bar, appends a new one, corrects a recent one, ignores replays", () => {
    const bars = [bar(1, 10, "HOLD"), bar(2, 11, "HOLD")];
    expect(applyRow(bars, bar(2, 12, "BUY"))).toBe("updated");
    expect(bars.map((b) => b.close)).toEqual([10, 12]);
    expect(applyRow(bars, bar(3, 13, "BUY"))).toBe("appended");
    // A replayed row equal to what is drawn changes nothing; a late correction replaces its candle.
    expect(applyRow(bars, bar(1, 10, "HOLD"))).toBe("ignored");
    expect(applyRow(bars, bar(1, 9, "SELL"))).toBe("corrected");
    expect(bars.map((b) => b.close)).toEqual([9, 12, 13]);
    // A candle older than the chart is not added to it.
    expect(applyRow(bars, bar(0, 99, "SELL"))).toBe("ignored");
    expect(bars.map((b) => b.close)).toEqual([9, 12, 13]);
  });

  test("a refetched tail replaces the bars from its first open time", () => {
    const bars = [bar(1, 10, "HOLD"), bar(2, 11, "HOLD"), bar(3, 12, "HOLD")];
    mergeTail(bars, [bar(3, 15, "HOLD"), bar(4, 16, "HOLD")]);
    expect(bars.map((b) => b.close)).toEqual([10, 11, 15, 16]);
  });

  test("markers at BUY or SELL changes only", () => {
    const bars = ["HOLD", "BUY", "BUY", "HOLD", "SELL", "SELL", "BUY"].map((s, i) =>
      bar(i, 1, s as Bar["signal"]),
    );
    expect(markersOf(bars)).toEqual([
      { openTime: 60_000, signal: "BUY" },
      { openTime: 240_000, signal: "SELL" },
      { openTime: 360_000, signal: "BUY" },
    ]);
  });
});

describe("scorecard rows", () => {
  test("one row per horizon for the symbol; horizons without a measured change show 0 and dashes", () => {
    const answer = {
      horizons_minutes: [5, 15, 60],
      scorecard: [
        { symbol: "BTCIRT", horizon_minutes: 5, count: 12, hits: 7, hit_rate: 7 / 12, mean_return: 0.001234 },
        { symbol: "BTCIRT", horizon_minutes: 60, count: 4, hits: 1, hit_rate: 0.25, mean_return: -0.02 },
        { symbol: "ETHIRT", horizon_minutes: 15, count: 3, hits: 3, hit_rate: 1, mean_return: 0.01 },
      ],
    };
    expect(scorecardRows(answer, "BTCIRT")).toEqual([
      ["5 min", "12", "58%", "+0.123%"],
      ["15 min", "0", "–", "–"],
      ["1 h", "4", "25%", "-2.000%"],
    ]);
  });
});
