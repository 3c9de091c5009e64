/** Test helpers for the indicator suites: a seeded PRNG and price series with the awkward cases. */
import { mulberry32 } from "@shamdan/shared/core/prng";

export const prng = mulberry32;

/**
 * A multiplicative random walk starting at `start`, with flat runs (repeated closes, as in quiet
 * minutes), occasional spikes (a large move that later leaves the windows) and, optionally,
 * a stretch of exactly constant prices.
 */
export function randomWalk(n: number, seed: number, start = 100, opts = { flatRun: true }): number[] {
  const rnd = prng(seed);
  const out: number[] = [];
  let x = start;
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.25) {
      // flat: unchanged close
    } else if (r < 0.26) {
      x *= rnd() < 0.5 ? 1.5 : 1 / 1.5; // spike
    } else {
      x *= 1 + (rnd() - 0.5) * 0.01;
    }
    if (opts.flatRun && i >= n / 2 && i < n / 2 + 40) x = out[out.length - 1] ?? x; // 40 flat closes
    out.push(x);
  }
  return out;
}

/** Relative difference, with an absolute floor for values near 0. */
export function relDiff(a: number, b: number, floor = 1e-300): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), floor);
}
