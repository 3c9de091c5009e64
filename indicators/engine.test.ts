import { describe, expect, test } from "bun:test";
import type { CandleInput } from "./candle.ts";
import {
  computeSeries,
  copyStep,
  type EngineSettings,
  EngineSnapshotError,
  type EngineStep,
  SymbolEngine,
} from "./engine.ts";
import { randomWalk } from "./testing.ts";

const talib: EngineSettings = {
  flavor: "talib",
  smaPeriod: 5,
  emaPeriod: 10,
  rsiPeriod: 10,
  rsiBuyBelow: 70,
  rsiSellAbove: 30,
};
const pandas: EngineSettings = { ...talib, flavor: "pandas" };
const MIN = 60_000;

function candles(closes: number[], t0 = 1_700_000_000_000): CandleInput[] {
  return closes.map((close, i) => ({
    openTime: t0 + i * MIN,
    open: close,
    high: close * 1.001,
    low: close * 0.999,
    close,
    volume: 1 + i,
  }));
}

const accepted = (step: EngineStep) => {
  if (!step.ok) throw new Error(`rejected: ${step.reason} ${step.detail}`);
  return copyStep(step) as Extract<EngineStep, { ok: true }>;
};

for (const settings of [talib, pandas]) {
  describe(`SymbolEngine (${settings.flavor})`, () => {
    const series = candles(randomWalk(400, 11, 50_000));

    test("a newer candle updates, the same open time replaces, an older one is rejected", () => {
      const engine = new SymbolEngine(settings);
      const reference = computeSeries(settings, series.slice(0, 20));
      for (const c of series.slice(0, 19)) accepted(engine.next(c));
      // The 20th candle arrives as a still-open candle first, then with its final values.
      const last = series[19] as CandleInput;
      const open = accepted(engine.next({ ...last, close: last.close * 1.02, high: last.high * 1.02 }));
      expect(open.replaced).toBe(false);
      const final = accepted(engine.next(last));
      expect(final.replaced).toBe(true);
      expect(final.values).toEqual(accepted((reference[19] as { step: EngineStep }).step).values);
      expect(engine.lastOpenTime).toBe(last.openTime);

      const before = JSON.stringify(engine.snapshot());
      const old = engine.next(series[3] as CandleInput);
      expect(old).toEqual({ ok: false, reason: "out_of_order", detail: expect.stringContaining("older") });
      expect(engine.rejected).toEqual({ out_of_order: 1, invalid_candle: 0 });
      // The rejection count is the only change.
      const after = engine.snapshot();
      expect({ ...after, rejected: { out_of_order: 0, invalid_candle: 0 } }).toEqual(JSON.parse(before));
    });

    test.each([
      ["NaN close", { close: Number.NaN }],
      ["infinite high", { high: Number.POSITIVE_INFINITY }],
      ["negative low", { low: -1 }],
      ["low above close", { low: 1e9 }],
      ["high below open", { high: 0.5 }],
      ["negative volume", { volume: -1 }],
      ["NaN volume", { volume: Number.NaN }],
      ["fractional openTime", { openTime: 1.5 }],
      ["negative openTime", { openTime: -60_000 }],
    ])("an invalid candle (%s) is rejected and never touches state", (_label, patch) => {
      const engine = new SymbolEngine(settings);
      for (const c of series.slice(0, 30)) engine.next(c);
      const before = engine.snapshot();
      const step = engine.next({ ...(series[30] as CandleInput), ...patch });
      expect(step.ok).toBe(false);
      if (!step.ok) expect(step.reason).toBe("invalid_candle");
      expect({ ...engine.snapshot(), rejected: before.rejected }).toEqual(before);
      expect(engine.rejected.invalid_candle).toBe(1);
      // The stream continues as if the bad candle never came.
      const rest = series.slice(30).map((c) => accepted(engine.next(c)).values);
      const plain = computeSeries(settings, series).slice(30);
      expect(rest).toEqual(plain.map((r) => (r.step.ok ? r.step.values : null)) as never);
    });

    test("signalChanged compares with the previous candle's signal; a replace with the one before", () => {
      const engine = new SymbolEngine(settings);
      let prev = "HOLD";
      for (const c of series) {
        const step = accepted(engine.next(c));
        expect(step.signalChanged).toBe(step.signal !== prev);
        // Replacing with the same candle gives the same answer, not "no change".
        const again = accepted(engine.next(c));
        expect(again.signalChanged).toBe(step.signalChanged);
        expect(again.signal).toBe(step.signal);
        prev = step.signal;
      }
      const signals = computeSeries(settings, series).map((r) => (r.step.ok ? r.step.signal : null));
      expect(new Set(signals)).toEqual(new Set(["HOLD", "BUY", "SELL"]));
    });

    test("the first candle is not a change (HOLD before any candle, HOLD while warming up)", () => {
      const step = accepted(new SymbolEngine(settings).next(series[0] as CandleInput));
      expect([step.signal, step.signalChanged]).toEqual(["HOLD", false]);
      expect(step.values).toEqual({
        sma: null,
        ema: null,
        delta: null,
        gain: null,
        loss: null,
        avgGain: null,
        avgLoss: null,
        rs: null,
        rsi: null,
      });
    });

    test("snapshot -> JSON -> restore mid-stream continues exactly like an uninterrupted engine", () => {
      for (const cut of [0, 1, 10, 11, 250]) {
        const plain = computeSeries(settings, series);
        const first = new SymbolEngine(settings);
        for (const c of series.slice(0, cut)) first.next(c);
        const restored = SymbolEngine.restore(settings, JSON.parse(JSON.stringify(first.snapshot())));
        expect(restored.lastOpenTime).toBe(cut === 0 ? null : (series[cut - 1] as CandleInput).openTime);
        const rest = series.slice(cut).map((c) => copyStep(restored.next(c)));
        expect(rest).toEqual(plain.slice(cut).map((r) => r.step));
      }
    });

    test("a replace right after restore behaves like a replace without the restart", () => {
      const live = new SymbolEngine(settings);
      for (const c of series.slice(0, 50)) live.next(c);
      const restored = SymbolEngine.restore(settings, JSON.parse(JSON.stringify(live.snapshot())));
      const fix = { ...(series[49] as CandleInput), close: (series[49] as CandleInput).close * 1.001 };
      fix.high = Math.max(fix.high, fix.close);
      expect(copyStep(restored.next(fix))).toEqual(copyStep(live.next(fix)));
    });
  });
}

describe("SymbolEngine.restore", () => {
  const engine = new SymbolEngine(talib);
  for (const c of candles([1, 2, 3])) engine.next(c);
  const snap = JSON.parse(JSON.stringify(engine.snapshot()));

  test("refuses a snapshot taken with other settings, naming the difference", () => {
    const run = () => SymbolEngine.restore({ ...talib, rsiPeriod: 14 }, snap);
    expect(run).toThrow(EngineSnapshotError);
    expect(run).toThrow(/rsiPeriod: snapshot 10, now 14/);
  });

  test("a snapshot taken when the pandas flavor was called seed restores as pandas, exactly", () => {
    const live = new SymbolEngine(pandas);
    const cs = candles([5, 6, 5.5, 7, 6.5, 6.5, 8, 7, 9, 8.5, 10, 9.5, 11, 10.5]);
    for (const c of cs.slice(0, 12)) live.next(c);
    const saved = JSON.parse(JSON.stringify(live.snapshot()));
    const old = { ...saved, settings: { ...saved.settings, flavor: "seed" } };
    const restored = SymbolEngine.restore(pandas, old);
    expect(restored.snapshot()).toEqual(live.snapshot());
    for (const c of cs.slice(12)) expect(copyStep(restored.next(c))).toEqual(copyStep(live.next(c)));
  });

  test("refuses a corrupt or foreign snapshot", () => {
    for (const bad of [
      null,
      {},
      { ...snap, v: 2 },
      { ...snap, sma: { kind: "sma", window: { period: 5 } } },
    ]) {
      expect(() => SymbolEngine.restore(talib, bad)).toThrow(/invalid engine snapshot/);
    }
    // Periods inside the states must agree with the settings.
    const mixed = { ...snap, settings: { ...snap.settings, smaPeriod: 6 } };
    expect(() => SymbolEngine.restore({ ...talib, smaPeriod: 6 }, mixed)).toThrow(/do not match/);
  });
});

test("next reuses its accepted step; copyStep and computeSeries give independent copies", () => {
  const engine = new SymbolEngine(talib);
  const [a, b] = candles([1, 2]);
  const first = engine.next(a as CandleInput);
  const kept = copyStep(first);
  const second = engine.next(b as CandleInput);
  expect(second).toBe(first);
  expect(kept).not.toBe(first);
  expect(kept.ok && kept.values.delta).toBeNull();
  expect(second.ok && second.values.delta).toBe(1);
  const series = computeSeries(talib, candles([1, 2, 3]));
  expect(series.map((r) => r.step.ok && r.step.values.delta)).toEqual([null, 1, 1]);
});
