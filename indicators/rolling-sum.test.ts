import { expect, test } from "bun:test";
import { RollingSum } from "./rolling-sum.ts";
import { prng, relDiff } from "./testing.ts";

const naive = (xs: number[], end: number, n: number) => {
  let s = 0;
  for (let i = Math.max(0, end - n); i < end; i++) s += xs[i] as number;
  return s;
};

test("a large value leaving a window of tiny ones leaves their exact sum", () => {
  const r = new RollingSum(3);
  for (const x of [1e3, 1e-9, 2e-9, 3e-9]) r.push(x);
  expect(r.sum).toBe(naive([1e-9, 2e-9, 3e-9], 3, 3));
});

test("a window of zeros sums to exactly 0 after non-zero values left it", () => {
  const r = new RollingSum(2);
  for (const x of [0.1, 0.7, 0, 0]) r.push(x);
  expect(r.sum).toBe(0);
});

test("long streams of ~1e-7 values (with spikes and zeros) stay within 1e-12 of a direct recompute", () => {
  const rnd = prng(3);
  const n = 10;
  const r = new RollingSum(n);
  const xs: number[] = [];
  let worst = 0;
  for (let i = 0; i < 200_000; i++) {
    const u = rnd();
    const x = u < 0.3 ? 0 : u < 0.31 ? 1e-4 * rnd() : 1e-7 * rnd();
    xs.push(x);
    r.push(x);
    const exact = naive(xs, xs.length, n);
    if (exact === 0) expect(r.sum).toBe(0);
    else worst = Math.max(worst, relDiff(r.sum, exact));
  }
  expect(worst).toBeLessThan(1e-12);
});

test("undo takes back exactly one push, including the window growing", () => {
  const r = new RollingSum(3);
  r.push(1);
  expect(r.undo()).toBe(true);
  expect([r.count, r.sum]).toEqual([0, 0]);
  expect(r.undo()).toBe(false);
  for (const x of [1, 2, 3, 4]) r.push(x);
  r.undo();
  expect([r.count, r.sum]).toEqual([3, 6]);
  r.push(10);
  expect(r.sum).toBe(15);
});
