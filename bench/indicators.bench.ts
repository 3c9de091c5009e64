/**
 * The full per-candle step (SMA + EMA + RSI + signal) of SymbolEngine, against the
 * same step built from npm `trading-signals`, and a fused loop (the three formulas inlined in one
 * function, no classes) as the practical limit. Same series, same run.
 * Targets: engine >= 4x faster than trading-signals, and within 4x of the fused loop.
 */

import { EMA as TsEMA, RSI as TsRSI, SMA as TsSMA } from "trading-signals";
import { type CandleInput, SymbolEngine } from "../indicators/index.ts";
import { loadConfig } from "../shared/core/config.ts";
import { engineSettings } from "../shared/core/engine-settings.ts";
import { formatMeasurement, type Measurement, measureInterleaved, prng } from "./measure.ts";
import { report } from "./results.ts";

const N = 1_000_000;

/** A random walk with flat runs, around 1e5, as 1-minute candles. */
export function series(n: number): CandleInput[] {
  const rnd = prng(42);
  const out: CandleInput[] = new Array(n);
  let close = 100_000;
  for (let i = 0; i < n; i++) {
    const open = close;
    if (rnd() > 0.2) close = Math.max(1, close * (1 + (rnd() - 0.5) * 0.004));
    const high = Math.max(open, close) * (1 + rnd() * 0.001);
    const low = Math.min(open, close) * (1 - rnd() * 0.001);
    out[i] = { openTime: 1_700_000_000_000 + i * 60_000, open, high, low, close, volume: rnd() * 10 };
  }
  return out;
}

// A benchmark script: one sequence of measurements, printed as it goes.
export async function bench(): Promise<void> {
  const settings = engineSettings(loadConfig({}));
  const { smaPeriod, emaPeriod, rsiPeriod, rsiBuyBelow, rsiSellAbove } = settings;
  const candles = series(N);
  const openCandles = candles.map(openVersion);

  // Each contender returns the sum of its signals' codes (BUY 1, SELL 2): equal sums mean that
  // all of them computed the same signals, so the comparison is like for like.
  const engineRun = (flavor: "talib" | "pandas", replaceEach: boolean) => () => {
    const e = new SymbolEngine({ ...settings, flavor });
    let acc = 0;
    for (let i = 0; i < N; i++) {
      const candle = candles[i] as CandleInput;
      // The still-open candle first (a different close), then its final value.
      if (replaceEach) e.next(openCandles[i] as CandleInput);
      const step = e.next(candle);
      if (step.ok) acc += step.signal === "BUY" ? 1 : step.signal === "SELL" ? 2 : 0;
    }
    return acc;
  };
  const contenders = [
    { name: "engine (SymbolEngine.next, talib flavor)", run: engineRun("talib", false) },
    {
      name: "trading-signals (SMA, EMA, RSI + rule)",
      run: () => {
        const sma = new TsSMA(smaPeriod);
        const ema = new TsEMA(emaPeriod);
        const rsi = new TsRSI(rsiPeriod);
        let acc = 0;
        for (let i = 0; i < N; i++) {
          const close = (candles[i] as CandleInput).close;
          const s = sma.add(close);
          const e = ema.add(close);
          const r = rsi.add(close);
          if (s !== null && e !== null && r !== null)
            acc += s > e && r < rsiBuyBelow ? 1 : s < e && r > rsiSellAbove ? 2 : 0;
        }
        return acc;
      },
    },
    { name: "fused loop (formulas inlined, no classes)", run: () => fusedLoop(candles, settings) },
  ];
  const checksums = contenders.map((c) => c.run());
  const [engine, tradingSignals, fused] = measureInterleaved(N, contenders) as [
    Measurement,
    Measurement,
    Measurement,
  ];
  // Measured afterwards: a second flavor makes the engine's call sites polymorphic, which a
  // processor (one flavor per process) never sees; it must not slow the headline number.
  const extra = measureInterleaved(N, [
    { name: "engine, talib, each candle also replaced once", run: engineRun("talib", true) },
    { name: "engine, pandas flavor", run: engineRun("pandas", false) },
  ]);

  for (const m of [engine, tradingSignals, fused, ...extra])
    process.stdout.write(`${formatMeasurement(m)}\n`);
  const vsTs = tradingSignals.nsPerItem / engine.nsPerItem;
  const vsFused = engine.nsPerItem / fused.nsPerItem;
  report("indicators.engineNsPerCandle", engine.nsPerItem);
  report("indicators.tradingSignalsNsPerCandle", tradingSignals.nsPerItem);
  report("indicators.fusedNsPerCandle", fused.nsPerItem);
  report("indicators.ratioVsTradingSignals", vsTs);
  report("indicators.ratioToFused", vsFused);
  process.stdout.write(
    `ratio trading-signals/engine ${vsTs.toFixed(2)}x (target >= 4)  ${vsTs >= 4 ? "OK" : "MISSED"}\n` +
      `ratio engine/fused           ${vsFused.toFixed(2)}x (target <= 4)  ${vsFused <= 4 ? "OK" : "MISSED"}\n` +
      `signals agree (engine talib / trading-signals / fused): ${checksums.slice(0, 3).join(" / ")}\n` +
      `series: ${N.toLocaleString("en")} candles, periods ${smaPeriod}/${emaPeriod}/${rsiPeriod}, median of 9 interleaved rounds after 2 warm-up rounds\n`,
  );
}

/** SMA ring buffer, TA-Lib EMA and Wilder RSI, and the signal, in one loop over the same candles. */
function fusedLoop(
  candles: CandleInput[],
  s: { smaPeriod: number; emaPeriod: number; rsiPeriod: number; rsiBuyBelow: number; rsiSellAbove: number },
): number {
  const ring = new Float64Array(s.smaPeriod);
  const k = 2 / (s.emaPeriod + 1);
  const n = s.rsiPeriod;
  let sum = 0;
  let ema = 0;
  let prev = 0;
  let avgGain = 0;
  let avgLoss = 0;
  let acc = 0;
  for (let i = 0; i < candles.length; i++) {
    const close = (candles[i] as CandleInput).close;
    const slot = i % s.smaPeriod;
    sum += close - (ring[slot] as number);
    ring[slot] = close;
    const sma = i >= s.smaPeriod - 1 ? sum / s.smaPeriod : Number.NaN;
    if (i < s.emaPeriod) {
      ema += close;
      if (i === s.emaPeriod - 1) ema /= s.emaPeriod;
    } else ema = (close - ema) * k + ema;
    const emaOk = i >= s.emaPeriod - 1;
    if (i > 0) {
      const d = close - prev;
      const g = Math.max(d, 0);
      const l = d < 0 ? -d : 0;
      if (i <= n) {
        avgGain += g;
        avgLoss += l;
        if (i === n) {
          avgGain /= n;
          avgLoss /= n;
        }
      } else {
        avgGain = (avgGain * (n - 1) + g) / n;
        avgLoss = (avgLoss * (n - 1) + l) / n;
      }
    }
    prev = close;
    if (i >= n && emaOk) {
      const total = avgGain + avgLoss;
      const rsi = total === 0 ? 0 : (100 * avgGain) / total;
      acc += sma > ema && rsi < s.rsiBuyBelow ? 1 : sma < ema && rsi > s.rsiSellAbove ? 2 : 0;
    }
  }
  return acc;
}

/** The candle as first delivered while still open: another close, high/low widened to stay valid. */
function openVersion(c: CandleInput): CandleInput {
  const close = c.close * 1.0005;
  return { ...c, close, high: Math.max(c.high, close) };
}
