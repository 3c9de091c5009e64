import { expect, test } from "bun:test";
import { gainOf, lossOf } from "./math.ts";
import { prng } from "./testing.ts";

test("gainOf and lossOf equal max(delta, 0) and the negated negative part bit for bit (never -0)", () => {
  const maxZero = (d: number) => Math.max(d, 0);
  const negativePart = (d: number) => (d < 0 ? -d : 0);
  const rnd = prng(5);
  const edges = [0, -0, Number.MIN_VALUE, -Number.MIN_VALUE, 1e-310, -1e-310, 3e-7, -3e-7, 1, -1];
  const huge = [Number.MAX_VALUE, -Number.MAX_VALUE];
  // Random signs and magnitudes from 1e-300 to 1e300.
  const random = Array.from({ length: 10_000 }, () => (rnd() - 0.5) * 10 ** Math.floor(rnd() * 600 - 300));
  const wrong = [...edges, ...huge, ...random].filter(
    (d) => !Object.is(gainOf(d), maxZero(d)) || !Object.is(lossOf(d), negativePart(d)),
  );
  expect(wrong).toEqual([]);
});
