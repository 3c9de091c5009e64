/**
 * Property tests: on seeded random walks — prices ~100 and ~1e-7, flat runs,
 * spikes, and re-delivered open candles (replace) — the streaming engine equals a naive batch
 * recompute written independently here (textbook formulas, full-window sums, no shared code).
 */
import { describe, expect, test } from "bun:test";
import type { CandleInput } from "./candle.ts";
import { type EngineSettings, type IndicatorValues, SymbolEngine } from "./engine.ts";
import { prng, randomWalk, relDiff } from "./testing.ts";

type Col = (number | null)[];

function naive(xs: number[], s: EngineSettings): Record<keyof IndicatorValues, Col> {
  const N = xs.length;
  const mean = (a: number, b: number) => {
    let sum = 0;
    for (let i = a; i < b; i++) sum += xs[i] as number;
    return sum / (b - a);
  };
  const sma = xs.map((_, i) => (i >= s.smaPeriod - 1 ? mean(i - s.smaPeriod + 1, i + 1) : null));
  const ema: Col = [];
  let e = 0;
  for (let i = 0; i < N; i++) {
    const x = xs[i] as number;
    if (s.flavor === "talib") {
      if (i === s.emaPeriod - 1) e = mean(0, s.emaPeriod);
      else if (i >= s.emaPeriod) e = e + (2 / (s.emaPeriod + 1)) * (x - e);
    } else {
      const a = 2 / (s.emaPeriod + 1);
      e = i === 0 ? x : a * x + (1 - a) * e;
    }
    ema.push(i >= s.emaPeriod - 1 ? e : null);
  }
  const delta: Col = xs.map((x, i) => (i === 0 ? null : x - (xs[i - 1] as number)));
  const gain = delta.map((d) => (d === null ? null : Math.max(d, 0)));
  const loss = delta.map((d) => (d === null ? null : d < 0 ? -d : 0));
  const n = s.rsiPeriod;
  const avgGain: Col = [];
  const avgLoss: Col = [];
  let g = 0;
  let l = 0;
  for (let i = 0; i < N; i++) {
    if (i < n) {
      avgGain.push(null);
      avgLoss.push(null);
      continue;
    }
    if (s.flavor === "pandas" || i === n) {
      g = 0;
      l = 0;
      for (let j = i - n + 1; j <= i; j++) {
        g += gain[j] as number;
        l += loss[j] as number;
      }
      g /= n;
      l /= n;
    } else {
      g = (g * (n - 1) + (gain[i] as number)) / n;
      l = (l * (n - 1) + (loss[i] as number)) / n;
    }
    avgGain.push(g);
    avgLoss.push(l);
  }
  const rs = avgGain.map((ag, i) => (ag === null || avgLoss[i] === 0 ? null : ag / (avgLoss[i] as number)));
  const rsi = avgGain.map((ag, i) => {
    if (ag === null) return null;
    const al = avgLoss[i] as number;
    if (s.flavor === "talib") return ag + al === 0 ? 0 : 100 - 100 / (1 + ag / al);
    return al === 0 ? null : 100 - 100 / (1 + ag / al);
  });
  return { sma, ema, delta, gain, loss, avgGain, avgLoss, rs, rsi };
}

const TOL: Record<keyof IndicatorValues, { rel?: number; abs?: number }> = {
  sma: { rel: 1e-12 },
  ema: { rel: 1e-12 },
  delta: { rel: 0 },
  gain: { rel: 0 },
  loss: { rel: 0 },
  avgGain: { rel: 1e-12 },
  avgLoss: { rel: 1e-12 },
  rs: { rel: 1e-9 },
  rsi: { abs: 1e-9 },
};

function check(got: Col, want: Col, key: keyof IndicatorValues): string[] {
  const bad: string[] = [];
  const { rel, abs } = TOL[key];
  got.forEach((g, i) => {
    const w = want[i] as number | null;
    if (g === null || w === null) {
      if (g !== w) bad.push(`${key}[${i}] got ${g} want ${w}`);
      return;
    }
    // avgGain/avgLoss can be legitimately ~0: compare against the scale of the prices' changes.
    const off = abs !== undefined ? Math.abs(g - w) : relDiff(g, w);
    if (off > (abs ?? rel ?? 0)) bad.push(`${key}[${i}] got ${g} want ${w}`);
  });
  return bad;
}

describe.each([
  ["talib", 100],
  ["talib", 3e-7],
  ["pandas", 100],
  ["pandas", 3e-7],
] as const)("streaming equals naive batch recompute (%s flavor, prices ~%p)", (flavor, start) => {
  for (const seed of [1, 2, 3]) {
    test(`seed ${seed}: random periods, flat runs, spikes, re-delivered open candles`, () => {
      const rnd = prng(seed * 101);
      const settings: EngineSettings = {
        flavor,
        smaPeriod: 1 + Math.floor(rnd() * 30),
        emaPeriod: 1 + Math.floor(rnd() * 30),
        rsiPeriod: 1 + Math.floor(rnd() * 30),
        rsiBuyBelow: 70,
        rsiSellAbove: 30,
      };
      const xs = randomWalk(20_000, seed, start);
      const engine = new SymbolEngine(settings);
      const got: Record<keyof IndicatorValues, Col> = {
        sma: [],
        ema: [],
        delta: [],
        gain: [],
        loss: [],
        avgGain: [],
        avgLoss: [],
        rs: [],
        rsi: [],
      };
      xs.forEach((close, i) => {
        const candle: CandleInput = {
          openTime: i * 60_000,
          open: close,
          high: close,
          low: close,
          close,
          volume: 1,
        };
        // A third of the candles first arrive still open with another close, then final.
        if (rnd() < 0.33) {
          const early = close * (1 + (rnd() - 0.5) * 0.02);
          engine.next({ ...candle, close: early, high: Math.max(close, early), low: Math.min(close, early) });
        }
        const step = engine.next(candle);
        if (!step.ok) throw new Error(step.detail);
        for (const k of Object.keys(got) as (keyof IndicatorValues)[]) got[k].push(step.values[k]);
      });
      const want = naive(xs, settings);
      const bad = (Object.keys(got) as (keyof IndicatorValues)[]).flatMap((k) => check(got[k], want[k], k));
      expect(bad.slice(0, 5)).toEqual([]);
    });
  }
});
