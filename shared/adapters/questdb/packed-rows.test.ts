import { expect, test } from "bun:test";
import type { IndicatorRow } from "../../core/messages.ts";
import { randomWalkRows } from "../../testing/random-walk.ts";
import { testRow } from "../../testing/rows.ts";
import { packRows, unpackRows } from "./packed-rows.ts";

/** What an ILP write reads of a row: everything but `v` and `replaced`. */
const written = ({ v: _v, replaced: _replaced, ...fields }: IndicatorRow) => fields;

test("packed and unpacked, rows keep every field an ILP write reads, nulls, -0 and extremes included", () => {
  const rows = [
    ...randomWalkRows("BTCIRT", 1, Date.UTC(2025, 0, 1), 300),
    ...randomWalkRows("ETHIRT", 2, Date.UTC(2025, 0, 1), 300),
    testRow({ symbol: "SHIBIRT", open: 1e-9, high: 1e18, low: 0, close: 5e-324, delta: -0, rs: 1e300 }),
    testRow({ signal: "SELL", signalChanged: true, replaced: true, sma: -1.5, rsi: 100 }),
  ];
  const back = unpackRows(packRows(rows));
  expect(back.map(written)).toEqual(rows.map(written));
  expect(Object.is(back.at(-2)?.delta, -0)).toBe(true);
  expect(back.every((row) => row.v === 1 && row.replaced === false)).toBe(true);
  expect(unpackRows(packRows([]))).toEqual([]);
});
