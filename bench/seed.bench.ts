/**
 * The original system's method as the baseline: on each new candle, pandas recomputes SMA, EMA, RSI
 * and the signal over the whole history (bench/seed/pandas_seed.py, pandas pinned in
 * bench/seed/pandas-venv.ts), median ms per candle at 1k, 10k and 100k candles of history, a few
 * sampled candles at each size. Against it, SymbolEngine (pandas flavor, same formulas) per candle
 * after the same histories: its cost must not grow with the history (flatness), and the speedup is
 * pandas ms ÷ engine ns at 10k. Both see the same closes; their signals on the sampled candles are
 * compared, so the two compute the same thing.
 */
import { type CandleInput, SymbolEngine } from "../indicators/index.ts";
import { loadConfig } from "../shared/core/config.ts";
import { engineSettings } from "../shared/core/engine-settings.ts";
import { series } from "./indicators.bench.ts";
import { report } from "./results.ts";
import { ensurePandasPython } from "./seed/pandas-venv.ts";

const SIZES = [1_000, 10_000, 100_000] as const;
/**
 * Sampled new candles per history size for pandas (each costs a full recomputation). 45, not 15: the
 * median of 15 moved by a third between runs; 45 cost a few seconds more.
 */
const PANDAS_SAMPLES = 45;
/** Unmeasured candles before them (WARMUP in pandas_seed.py). */
const PANDAS_WARMUP = 3;
/** Engine: candles timed after each history, fresh engines per round, median over the rounds. */
const ENGINE_BATCH = 2_000;
const ENGINE_ROUNDS = 21;

export async function bench(): Promise<void> {
  const settings = { ...engineSettings(loadConfig({})), flavor: "pandas" as const };
  const candles = series((SIZES.at(-1) as number) + Math.max(PANDAS_WARMUP + PANDAS_SAMPLES, ENGINE_BATCH));
  const python = await ensurePandasPython((line) => process.stdout.write(`${line}\n`));

  const job = {
    closes: candles.map((c) => c.close),
    sizes: SIZES,
    samples: PANDAS_SAMPLES,
    periods: { sma: settings.smaPeriod, ema: settings.emaPeriod, rsi: settings.rsiPeriod },
    thresholds: { rsiBuyBelow: settings.rsiBuyBelow, rsiSellAbove: settings.rsiSellAbove },
  };
  const proc = Bun.spawn([python, `${import.meta.dir}/seed/pandas_seed.py`], {
    stdin: new TextEncoder().encode(JSON.stringify(job)),
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error("pandas_seed.py failed (its error is above)");
  const pandas = JSON.parse(out) as {
    pandas: string;
    msPerCandle: Record<string, number>;
    signals: Record<string, string[]>;
  };

  // The engine's signals over the whole series, to compare with pandas' on the sampled candles.
  const all = new SymbolEngine(settings);
  const engineSignals = candles.map((c) => {
    const step = all.next(c);
    return step.ok ? step.signal : "rejected";
  });
  let agree = 0;
  let compared = 0;
  for (const size of SIZES)
    (pandas.signals[size] ?? []).forEach((s, k) => {
      compared++;
      if (engineSignals[size + PANDAS_WARMUP + k] === s) agree++;
    });

  const engineNs = engineNsPerCandle(candles, settings);
  const ms = (size: number) => pandas.msPerCandle[size] as number;
  const ns = (size: number) => engineNs.get(size) as number;
  for (const size of SIZES) {
    process.stdout.write(
      `history ${size.toLocaleString("en").padStart(7)}  pandas recompute ${ms(size).toFixed(2).padStart(8)} ms/candle` +
        `  engine ${ns(size).toFixed(1).padStart(6)} ns/candle\n`,
    );
  }
  const speedup = (ms(10_000) * 1e6) / ns(10_000);
  const flatness = ns(100_000) / ns(1_000);
  process.stdout.write(
    `speedup pandas/engine at 10k   ${speedup.toExponential(2)}x (target >= 1e5)  ${speedup >= 1e5 ? "OK" : "MISSED"}\n` +
      `engine flatness 100k/1k        ${flatness.toFixed(2)} (target <= 1.2)  ${flatness <= 1.2 ? "OK" : "MISSED"}\n` +
      `signals agree on ${agree} of ${compared} sampled candles\n` +
      `pandas ${pandas.pandas}: median of ${PANDAS_SAMPLES} new candles per size, each appended and the whole history recomputed; ` +
      `engine: median of ${ENGINE_ROUNDS} rounds of ${ENGINE_BATCH} candles after the history\n`,
  );
  if (agree !== compared)
    throw new Error("pandas and the engine disagree on a signal: the comparison is not like for like");
  report("seed.msPerCandleAt1k", ms(1_000));
  report("seed.msPerCandleAt10k", ms(10_000));
  report("seed.msPerCandleAt100k", ms(100_000));
  report("seed.engineNsPerCandle", ns(10_000));
  report("seed.speedupAt10k", speedup);
  report("seed.engineFlatness", flatness);
}

/** Candles fed through throwaway engines first, so the timed code is the JIT's optimized one. */
const ENGINE_WARMUP = 1_000_000;

/**
 * Per size, ns per candle of the ENGINE_BATCH candles that follow a history of that size. Sizes are
 * interleaved in each round so that load on the machine hits them alike. A million candles first, as
 * a long-running processor has seen: with two warm-up rounds alone the first rounds still timed code
 * the JIT had not finished optimizing.
 */
function engineNsPerCandle(
  candles: CandleInput[],
  settings: ConstructorParameters<typeof SymbolEngine>[0],
): Map<number, number> {
  const runs = new Map<number, number[]>(SIZES.map((s) => [s, []]));
  let sink = 0;
  for (let fed = 0; fed < ENGINE_WARMUP; ) {
    const engine = new SymbolEngine(settings);
    for (const candle of candles) {
      const step = engine.next(candle);
      if (step.ok && step.signal === "BUY") sink++;
    }
    fed += candles.length;
  }
  for (let round = -2; round < ENGINE_ROUNDS; round++) {
    for (const size of SIZES) {
      const engine = new SymbolEngine(settings);
      for (let i = 0; i < size; i++) engine.next(candles[i] as CandleInput);
      const start = Bun.nanoseconds();
      for (let i = size; i < size + ENGINE_BATCH; i++) {
        const step = engine.next(candles[i] as CandleInput);
        if (step.ok && step.signal === "BUY") sink++;
      }
      const elapsed = Bun.nanoseconds() - start;
      if (round >= 0) runs.get(size)?.push(elapsed / ENGINE_BATCH);
    }
  }
  if (sink < 0) throw new Error("unreachable: keeps the loop's work");
  return new Map(
    [...runs].map(([size, list]) => [
      size,
      [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number,
    ]),
  );
}

if (import.meta.main) await bench();
