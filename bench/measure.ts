/**
 * Timing helpers for benchmarks. Contenders are measured in interleaved rounds (A, B, C, A, B, C, ...)
 * so that a busy machine slows them alike and their ratios stay meaningful; each reports the median
 * over the rounds, after warm-up rounds that let the JIT compile every contender.
 */
import { mulberry32 } from "../shared/core/prng.ts";

export interface Contender {
  name: string;
  /** Processes the items once and returns a checksum (kept, so the JIT cannot drop the work). */
  run: () => number;
}

export interface Measurement {
  name: string;
  /** Median nanoseconds per item over the rounds. */
  nsPerItem: number;
  /** Fastest round, nanoseconds per item (the least disturbed by other load). */
  minNsPerItem: number;
  perSecond: number;
}

export function measureInterleaved(
  items: number,
  contenders: Contender[],
  opts = { warmup: 2, rounds: 9 },
): Measurement[] {
  let sink = 0;
  for (let i = 0; i < opts.warmup; i++) for (const c of contenders) sink += c.run();
  const runs: number[][] = contenders.map(() => []);
  for (let r = 0; r < opts.rounds; r++) {
    contenders.forEach((c, i) => {
      const start = Bun.nanoseconds();
      sink += c.run();
      runs[i]?.push(Bun.nanoseconds() - start);
    });
  }
  if (Number.isNaN(sink)) throw new Error("checksum is NaN");
  return contenders.map((c, i) => {
    const sorted = [...(runs[i] ?? [])].sort((a, b) => a - b);
    const nsPerItem = (sorted[Math.floor(sorted.length / 2)] as number) / items;
    return {
      name: c.name,
      nsPerItem,
      minNsPerItem: (sorted[0] as number) / items,
      perSecond: 1e9 / nsPerItem,
    };
  });
}

export function formatMeasurement(m: Measurement): string {
  const rate =
    m.perSecond >= 1e6 ? `${(m.perSecond / 1e6).toFixed(2)} M/s` : `${(m.perSecond / 1e3).toFixed(1)} k/s`;
  return `${m.name.padEnd(44)} ${m.nsPerItem.toFixed(1).padStart(8)} ns/candle (min ${m.minNsPerItem.toFixed(1).padStart(6)})  ${rate.padStart(11)}`;
}

export const prng = mulberry32;

/** The q-quantile (0 to 1) of the values by nearest rank (the largest one for 1); NaN when there are none. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
