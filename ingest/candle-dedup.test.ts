import { expect, test } from "bun:test";
import type { Candle } from "@shamdan/shared/core/udf";
import { CandleDedup } from "./candle-dedup.ts";

const candle = (minute: number, close = 10, volume = 1): Candle => ({
  openTime: minute * 60_000,
  open: 10,
  high: Math.max(10, close),
  low: Math.min(10, close),
  close,
  volume,
});

test("new open times go out, an identical re-delivery does not", () => {
  const dedup = new CandleDedup();
  const first = [candle(1), candle(2)];
  expect(dedup.changed(first)).toEqual(first);
  dedup.remember(first);
  expect(dedup.changed([candle(1), candle(2)])).toEqual([]);
  expect(dedup.changed([candle(2), candle(3)])).toEqual([candle(3)]);
  expect(dedup.lastSeenOpenTime).toBe(2 * 60_000);
});

test("a still-forming candle whose values changed goes out again; the final value wins", () => {
  const dedup = new CandleDedup();
  dedup.remember([candle(5, 11, 0.5)]);
  expect(dedup.changed([candle(5, 11, 0.5)])).toEqual([]);
  expect(dedup.changed([candle(5, 12, 0.5)])).toEqual([candle(5, 12, 0.5)]);
  expect(dedup.changed([candle(5, 11, 0.6)])).toEqual([candle(5, 11, 0.6)]);
  dedup.remember([candle(5, 12, 0.9)]);
  expect(dedup.changed([candle(5, 12, 0.9)])).toEqual([]);
  // Going back to an earlier value is a change too (it differs from what was last published).
  expect(dedup.changed([candle(5, 11, 0.5)])).toHaveLength(1);
});

test("nothing is remembered until remember() (a failed publish is retried)", () => {
  const dedup = new CandleDedup();
  expect(dedup.changed([candle(1)])).toHaveLength(1);
  expect(dedup.changed([candle(1)])).toHaveLength(1);
  expect(dedup.lastSeenOpenTime).toBeUndefined();
});

test("memory is bounded: the oldest open times are forgotten first", () => {
  const dedup = new CandleDedup(3);
  dedup.remember([1, 2, 3, 4, 5].map((m) => candle(m)));
  expect(dedup.changed([1, 2, 3, 4, 5].map((m) => candle(m))).map((c) => c.openTime / 60_000)).toEqual([
    1, 2,
  ]);
  dedup.remember([candle(3, 12)]);
  dedup.remember([candle(6)]);
  // 4 was the least recently written, so it went first; 3 was updated and kept.
  expect(
    dedup.changed([candle(3, 12), candle(4), candle(5), candle(6)]).map((c) => c.openTime / 60_000),
  ).toEqual([4]);
});

test("advanceTo moves the starting point without publishing", () => {
  const dedup = new CandleDedup();
  dedup.advanceTo(120_000);
  dedup.advanceTo(60_000);
  expect(dedup.lastSeenOpenTime).toBe(120_000);
});
