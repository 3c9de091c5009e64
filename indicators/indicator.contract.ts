/**
 * The contract every streaming indicator passes (the trading-signals
 * `testIndicatorContract` idea): warm-up, replace-with-same-value is a no-op, replace after
 * divergence equals an add-only run, serialise/restore mid-stream equals an uninterrupted run.
 * Each indicator's test file calls `indicatorContract` with a factory and its restore function.
 */
import { describe, expect, test } from "bun:test";
import type { Indicator } from "./indicator.ts";
import { randomWalk } from "./testing.ts";

export interface ContractSubject<S> {
  name: string;
  create: () => Indicator<S>;
  restore: (state: S) => Indicator<S>;
  /** Number of leading null results while warming up. */
  warmup: number;
  /** True if `result` may be null after warm-up (pandas RSI: undefined when there are no losses). */
  nullableWhenStable?: boolean;
}

const run = <S>(ind: Indicator<S>, xs: readonly number[]) => xs.map((x) => ind.update(x));
/** JSON round-trip: what the processor stores and reads back. */
const roundTrip = <S>(state: S): S => JSON.parse(JSON.stringify(state)) as S;

export function indicatorContract<S>(subject: ContractSubject<S>): void {
  const xs = randomWalk(300, 7, 123.45);
  const tiny = randomWalk(300, 8, 3e-7);

  describe(`${subject.name} contract`, () => {
    test("warms up: null results until the period is filled, then a number", () => {
      const ind = subject.create();
      const results = run(ind, xs);
      expect(results.slice(0, subject.warmup).every((r) => r === null)).toBe(true);
      if (!subject.nullableWhenStable)
        expect(results.slice(subject.warmup).every((r) => r !== null)).toBe(true);
      expect(results.every((r) => r === null || Number.isFinite(r))).toBe(true);
    });

    test("isStable turns true exactly where warm-up ends", () => {
      const ind = subject.create();
      xs.slice(0, 40).forEach((x, i) => {
        ind.update(x);
        expect(ind.isStable).toBe(i + 1 > subject.warmup);
      });
    });

    test("result mirrors the last update's return value", () => {
      const ind = subject.create();
      for (const x of xs.slice(0, 50)) expect(ind.update(x)).toBe(ind.result);
    });

    for (const [label, series] of [
      ["prices ~100", xs],
      ["prices ~1e-7", tiny],
    ] as const) {
      test(`replace with the same value is a no-op (${label})`, () => {
        const plain = subject.create();
        const replaced = subject.create();
        series.forEach((x, i) => {
          const a = plain.update(x);
          replaced.update(x);
          const b = replaced.replace(x);
          expect(b).toBe(a);
          if (i % 37 === 0) expect(replaced.serialise()).toEqual(plain.serialise());
        });
      });

      test(`replace after divergence equals an add-only run (${label})`, () => {
        const plain = subject.create();
        const replaced = subject.create();
        series.forEach((x, i) => {
          const a = plain.update(x);
          // A different (still-forming) value first, corrected once or twice by replace.
          replaced.update(x * 1.01 + 1e-9);
          if (i % 3 === 0) replaced.replace(x * 0.97);
          const b = replaced.replace(x);
          expect(b).toBe(a);
        });
      });

      test(`serialise/restore mid-stream equals an uninterrupted run (${label})`, () => {
        for (const cut of [0, 1, subject.warmup, subject.warmup + 1, 157]) {
          const plain = subject.create();
          const first = subject.create();
          run(plain, series.slice(0, cut));
          run(first, series.slice(0, cut));
          const resumed = subject.restore(roundTrip(first.serialise()));
          expect(resumed.result).toBe(plain.result);
          expect(resumed.isStable).toBe(plain.isStable);
          expect(run(resumed, series.slice(cut))).toEqual(run(plain, series.slice(cut)));
        }
      });
    }

    test("a replace right after restore still undoes the last update", () => {
      const plain = subject.create();
      const other = subject.create();
      run(plain, xs.slice(0, 60));
      run(other, [...xs.slice(0, 59), 999]);
      const resumed = subject.restore(roundTrip(other.serialise()));
      expect(resumed.replace(xs[59] as number)).toBe(plain.result);
      expect(run(resumed, xs.slice(60))).toEqual(run(plain, xs.slice(60)));
    });

    test("a replace before any update acts as an update", () => {
      const a = subject.create();
      const b = subject.create();
      a.replace(5);
      b.update(5);
      expect(a.serialise()).toEqual(b.serialise());
    });
  });
}
