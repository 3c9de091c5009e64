import { expect, test } from "bun:test";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { mulberry32 as prng } from "@shamdan/shared/core/prng";
import { testRow } from "@shamdan/shared/testing/rows";
import { latestPerKey } from "./latest-per-key.ts";

const row = (symbol: string, openTime: number, close: number): IndicatorRow =>
  testRow({ symbol, openTime, open: close, high: close, low: close, close, volume: 1 });

test("keeps the last row of each (symbol, openTime), in order of last occurrence", () => {
  const rows = [row("A", 1, 10), row("B", 1, 20), row("A", 1, 11), row("A", 2, 12), row("A", 1, 13)];
  expect(latestPerKey(rows).map((r) => [r.symbol, r.openTime, r.close])).toEqual([
    ["B", 1, 20],
    ["A", 2, 12],
    ["A", 1, 13],
  ]);
});

test("distinct keys pass through unchanged", () => {
  const rows = [row("A", 1, 1), row("A", 2, 2), row("B", 1, 3)];
  expect(latestPerKey(rows)).toEqual(rows);
});

test("equals the keep-the-last reference for random batches with and without duplicates", () => {
  const rnd = prng(7);
  for (let i = 0; i < 2000; i++) {
    const rows: IndicatorRow[] = [];
    const dense = rnd() < 0.5; // few times => duplicates; otherwise mostly increasing runs
    for (let k = 0, n = Math.floor(rnd() * 12); k < n; k++)
      rows.push(row(rnd() < 0.5 ? "A" : "B", dense ? Math.floor(rnd() * 4) : k, k));
    const reference = new Map<string, IndicatorRow>();
    for (const r of rows) {
      reference.delete(`${r.symbol}@${r.openTime}`);
      reference.set(`${r.symbol}@${r.openTime}`, r);
    }
    expect(latestPerKey(rows)).toEqual([...reference.values()]);
  }
});

test("items carrying a row are reduced by their row's key, the items themselves kept", () => {
  const items = [row("A", 1, 10), row("A", 1, 11), row("B", 1, 12)].map((r, i) => ({ r, offset: i }));
  expect(latestPerKey(items, (item) => item.r).map((item) => item.offset)).toEqual([1, 2]);
});
