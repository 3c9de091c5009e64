/**
 * One symbol's indicator + signal state: SMA, EMA and RSI in the configured flavor, the signal
 * (`crossoverWithRsiFilter`), candle ordering and validation. O(1) time and memory per candle; the state
 * snapshots to plain JSON and restores exactly (the processor's crash recovery).
 *
 * Ordering: a candle with the last open time replaces the last one (a re-delivered
 * still-open candle: the final value of the minute wins); a newer one is an update; an older one is
 * rejected with reason `out_of_order`. Invalid candles are rejected with `invalid_candle` before
 * they touch state. Rejections are counted (`rejected`), never silently absorbed.
 *
 * `signalChanged` compares with the previous candle's signal; before the first candle that is HOLD
 * (so a first candle is a change only if it is not HOLD, which warm-up makes impossible in practice).
 * A replace compares with the candle before the replaced one, like the update it stands for.
 *
 * `next` reuses one result object per engine (see there); `computeSeries` and `copyStep` give copies.
 */
import type { Candle } from "./candle.ts";
import { candleDefect } from "./candle-defect.ts";
import { EMA, EmaStyle } from "./ema.ts";
import {
  type EngineSettings,
  type EngineSnapshot,
  EngineSnapshotError,
  EngineSnapshotSchema,
  IndicatorFlavor,
  parseSnapshot,
} from "./engine-snapshot.ts";
import { CutlerRSI } from "./rsi-cutler.ts";
import type { RsiValues } from "./rsi-outputs.ts";
import { WilderRSI } from "./rsi-wilder.ts";
import { SignalKind, type SignalThresholds, signalOf } from "./signal.ts";
import { SMA } from "./sma.ts";

export {
  type EngineSettings,
  type EngineSnapshot,
  EngineSnapshotError,
  EngineSnapshotSchema,
  IndicatorFlavor,
};

/** Every value is null where undefined (warm-up; rs with no losses; pandas RSI with no losses). */
export interface IndicatorValues extends RsiValues {
  sma: number | null;
  ema: number | null;
}

export const RejectReason = { outOfOrder: "out_of_order", invalidCandle: "invalid_candle" } as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export type AcceptedStep = {
  readonly ok: true;
  readonly replaced: boolean;
  readonly values: Readonly<IndicatorValues>;
  readonly signal: SignalKind;
  readonly signalChanged: boolean;
};
export type RejectedStep = { readonly ok: false; readonly reason: RejectReason; readonly detail: string };
export type EngineStep = AcceptedStep | RejectedStep;

/** A copy of a step that stays valid after the engine's next call (see SymbolEngine.next). */
export function copyStep(step: EngineStep): EngineStep {
  return step.ok ? { ...step, values: { ...step.values } } : step;
}

/** Every indicator undefined, as while warming up (a fresh object each call). */
export function noIndicatorValues(): IndicatorValues {
  return {
    sma: null,
    ema: null,
    delta: null,
    gain: null,
    loss: null,
    avgGain: null,
    avgLoss: null,
    rs: null,
    rsi: null,
  };
}

/** The reused result of accepted candles (see `next`). Plain data: JSON and spreading see the fields. */
class Accepted {
  readonly ok = true;
  replaced = false;
  readonly values: IndicatorValues = noIndicatorValues();
  signal: SignalKind = SignalKind.HOLD;
  signalChanged = false;
}

export class SymbolEngine {
  private sma: SMA;
  private ema: EMA;
  private rsi: WilderRSI | CutlerRSI;
  /** Open time of the last accepted candle; -Infinity before the first (a number: no null test per candle). */
  private last = Number.NEGATIVE_INFINITY;
  /** Signal of the last candle, and of the one before it (what a replace compares with). */
  private signal: SignalKind = SignalKind.HOLD;
  private prevSignal: SignalKind = SignalKind.HOLD;
  private readonly counts: Record<RejectReason, number> = { out_of_order: 0, invalid_candle: 0 };
  private readonly thresholds: SignalThresholds;
  private readonly out = new Accepted();

  constructor(readonly settings: EngineSettings) {
    const pandas = settings.flavor === IndicatorFlavor.pandas;
    this.thresholds = { rsiBuyBelow: settings.rsiBuyBelow, rsiSellAbove: settings.rsiSellAbove };
    this.sma = new SMA(settings.smaPeriod);
    this.ema = new EMA(settings.emaPeriod, pandas ? EmaStyle.pandas : EmaStyle.talib);
    this.rsi = pandas ? new CutlerRSI(settings.rsiPeriod) : new WilderRSI(settings.rsiPeriod);
  }

  /**
   * Feeds one candle. An accepted step (and its `values`) is owned by the engine and OVERWRITTEN by
   * its next `next` call: read or copy it first (`copyStep`, or spread it into a row as the processor
   * does). Reusing it keeps the hot path free of allocation, which under load is most of the cost
   * (bench/indicators.bench.ts). Rejected steps are fresh objects.
   */
  next(candle: Candle): EngineStep {
    const defect = candleDefect(candle);
    if (defect !== null) return this.reject(RejectReason.invalidCandle, defect);
    const t = candle.openTime;
    const last = this.last;
    let replaced = false;
    let before: SignalKind;
    if (t > last) {
      this.sma.push(candle.close);
      this.ema.push(candle.close);
      this.rsi.push(candle.close);
      this.prevSignal = this.signal;
      before = this.signal;
      this.last = t;
    } else if (t === last) {
      replaced = true;
      this.sma.repush(candle.close);
      this.ema.repush(candle.close);
      this.rsi.repush(candle.close);
      before = this.prevSignal;
    } else {
      return this.reject(RejectReason.outOfOrder, `openTime ${t} is older than the last candle's ${last}`);
    }
    const out = this.out;
    const values = out.values;
    const sma = this.sma.result;
    const ema = this.ema.result;
    values.sma = sma;
    values.ema = ema;
    const signal = signalOf(sma ?? Number.NaN, ema ?? Number.NaN, this.rsi.writeTo(values), this.thresholds);
    this.signal = signal;
    out.replaced = replaced;
    out.signal = signal;
    out.signalChanged = signal !== before;
    return out;
  }

  private reject(reason: RejectReason, detail: string): EngineStep {
    this.counts[reason]++;
    return { ok: false, reason, detail };
  }

  /** Open time (epoch ms) of the last accepted candle. */
  get lastOpenTime(): number | null {
    return this.last === Number.NEGATIVE_INFINITY ? null : this.last;
  }

  /** Rejections since creation (kept across snapshot/restore). */
  get rejected(): Readonly<Record<RejectReason, number>> {
    return { ...this.counts };
  }

  snapshot(): EngineSnapshot {
    return {
      v: 1,
      settings: { ...this.settings },
      lastOpenTime: this.lastOpenTime,
      signal: this.signal,
      prevSignal: this.prevSignal,
      sma: this.sma.serialise(),
      ema: this.ema.serialise(),
      rsi: this.rsi.serialise(),
      rejected: { ...this.counts },
    };
  }

  /**
   * Throws EngineSnapshotError, code `ENGINE_SNAPSHOT_INVALID` or `ENGINE_SNAPSHOT_MISMATCH` (settings
   * changed). A snapshot taken under the flavor's old name `seed` restores as `pandas`.
   */
  static restore(settings: EngineSettings, snapshot: unknown): SymbolEngine {
    const snap = parseSnapshot(snapshot);
    const mismatch = (Object.keys(settings) as (keyof EngineSettings)[]).filter(
      (k) => settings[k] !== snap.settings[k],
    );
    if (mismatch.length > 0) {
      const diff = mismatch.map((k) => `${k}: snapshot ${snap.settings[k]}, now ${settings[k]}`).join("; ");
      throw new EngineSnapshotError(
        "ENGINE_SNAPSHOT_MISMATCH",
        `indicator settings changed since the snapshot (${diff}); rebuild the state from history`,
      );
    }
    const engine = new SymbolEngine(settings);
    engine.sma = SMA.restore(snap.sma);
    engine.ema = EMA.restore(snap.ema);
    engine.rsi = snap.rsi.kind === "rsi-wilder" ? WilderRSI.restore(snap.rsi) : CutlerRSI.restore(snap.rsi);
    engine.last = snap.lastOpenTime ?? Number.NEGATIVE_INFINITY;
    engine.signal = snap.signal;
    engine.prevSignal = snap.prevSignal;
    Object.assign(engine.counts, snap.rejected);
    return engine;
  }
}

/** Runs a whole series through a fresh engine (compute command, tests, backtests). */
export function computeSeries(
  settings: EngineSettings,
  candles: readonly Candle[],
): Array<{ candle: Candle; step: EngineStep }> {
  const engine = new SymbolEngine(settings);
  return candles.map((candle) => ({ candle, step: copyStep(engine.next(candle)) }));
}
