/**
 * One symbol's recent rows in memory, column by column (a Float64Array per numeric field, NaN for
 * null), sorted by open time, and the three reads the API answers from them: `summarize`,
 * `aggregate` and `bars`, with the SQL's meaning (see store-mirror.ts for when they are used).
 *
 * A window is found by binary search and then scanned in time order: O(log n + k). Sums are plain
 * left-to-right additions in time order, which is what QuestDB does within a partition, so averages
 * come out bit for bit the same as its `AVG()` over a window inside one UTC day (prefix sums or a
 * tree of partial sums would round differently).
 */
import type { IndicatorRow, SignalKind } from "@shamdan/shared/core/messages";
import {
  type Aggregation,
  type Bar,
  NUMERIC_FIELDS,
  type NumericField,
  type Stats,
  type Summary,
} from "@shamdan/shared/core/store";

const SIGNAL_CODES: readonly SignalKind[] = ["HOLD", "BUY", "SELL"];
const signalCode = (signal: SignalKind): number => SIGNAL_CODES.indexOf(signal);

const FIELD_INDEX = new Map<NumericField, number>(NUMERIC_FIELDS.map((field, i) => [field, i]));
const column = (field: NumericField): number => FIELD_INDEX.get(field) as number;
const OPEN = column("open");
const HIGH = column("high");
const LOW = column("low");
const CLOSE = column("close");
const VOLUME = column("volume");
const SMA = column("sma");
const EMA = column("ema");
const RSI = column("rsi");
const GAIN = column("gain");
const LOSS = column("loss");

const orNull = (value: number): number | null => (Number.isNaN(value) ? null : value);

export class MirroredSeries {
  #times: Float64Array;
  #values: Float64Array[];
  #signals: Uint8Array;
  #length = 0;

  constructor(capacity = 1024) {
    this.#times = new Float64Array(capacity);
    this.#values = NUMERIC_FIELDS.map(() => new Float64Array(capacity));
    this.#signals = new Uint8Array(capacity);
  }

  /** Rows in ascending open time (as a store returns them), one per open time. */
  static of(rows: readonly IndicatorRow[]): MirroredSeries {
    const series = new MirroredSeries(Math.max(1024, rows.length));
    for (const row of rows) series.upsert(row);
    return series;
  }

  get length(): number {
    return this.#length;
  }

  /** Open time of the newest row, or undefined when empty. */
  get lastOpenTime(): number | undefined {
    return this.#length === 0 ? undefined : this.#times[this.#length - 1];
  }

  /** Bytes held by the columns (for the metrics gauge). */
  get bytes(): number {
    return this.#times.length * (8 * (1 + NUMERIC_FIELDS.length) + 1);
  }

  /** Adds the row, or replaces the one with the same open time (the store's upsert key). */
  upsert(row: IndicatorRow): void {
    const at = this.#lowerBound(row.openTime);
    if (at < this.#length && this.#times[at] === row.openTime) {
      this.#set(at, row);
      return;
    }
    if (this.#length === this.#times.length) this.#grow();
    if (at < this.#length) {
      // A late row: shift the newer ones right by one (rare; new rows append).
      this.#times.copyWithin(at + 1, at, this.#length);
      for (const values of this.#values) values.copyWithin(at + 1, at, this.#length);
      this.#signals.copyWithin(at + 1, at, this.#length);
    }
    this.#length++;
    this.#set(at, row);
  }

  summarize(from: number, to: number): Summary {
    const [lo, hi] = this.#range(from, to);
    return {
      close: this.#stats(CLOSE, lo, hi),
      sma: this.#stats(SMA, lo, hi),
      ema: this.#stats(EMA, lo, hi),
      rsi: this.#stats(RSI, lo, hi),
      highestGain: this.#stats(GAIN, lo, hi).highest,
      highestLoss: this.#stats(LOSS, lo, hi).highest,
      rows: hi - lo,
    };
  }

  aggregate(from: number, to: number, field: NumericField, aggregation: Aggregation): number | null {
    const [lo, hi] = this.#range(from, to);
    return this.#stats(column(field), lo, hi)[aggregation];
  }

  /**
   * SAMPLE BY `intervalSeconds` over [from, to): buckets at epoch multiples of the interval, empty
   * ones left out; first open, highest high, lowest low, last close, summed volume, and the last
   * row's SMA, EMA, RSI (null when that row's is) and signal; the earliest `limit` buckets.
   */
  bars(from: number, to: number, intervalSeconds: number, limit: number): Bar[] {
    const [lo, hi] = this.#range(from, to);
    const ms = intervalSeconds * 1000;
    // Locals, not fields, in the loop: private field reads cost more than the work itself.
    const times = this.#times;
    const open = this.#values[OPEN] as Float64Array;
    const high = this.#values[HIGH] as Float64Array;
    const low = this.#values[LOW] as Float64Array;
    const close = this.#values[CLOSE] as Float64Array;
    const volume = this.#values[VOLUME] as Float64Array;
    const bars: Bar[] = [];
    let i = lo;
    while (i < hi && bars.length < limit) {
      const bucket = Math.floor((times[i] as number) / ms) * ms;
      const end = bucket + ms;
      let barHigh = high[i] as number;
      let barLow = low[i] as number;
      let barVolume = volume[i] as number;
      const first = i;
      for (i++; i < hi && (times[i] as number) < end; i++) {
        if ((high[i] as number) > barHigh) barHigh = high[i] as number;
        if ((low[i] as number) < barLow) barLow = low[i] as number;
        barVolume += volume[i] as number;
      }
      const last = i - 1;
      bars.push({
        openTime: bucket,
        open: open[first] as number,
        high: barHigh,
        low: barLow,
        close: close[last] as number,
        volume: barVolume,
        sma: orNull((this.#values[SMA] as Float64Array)[last] as number),
        ema: orNull((this.#values[EMA] as Float64Array)[last] as number),
        rsi: orNull((this.#values[RSI] as Float64Array)[last] as number),
        signal: SIGNAL_CODES[this.#signals[last] as number] as SignalKind,
      });
    }
    return bars;
  }

  /** AVG/MAX/MIN of one column over [lo, hi), skipping nulls; all null when none is there. */
  #stats(field: number, lo: number, hi: number): Stats {
    const values = this.#values[field] as Float64Array;
    let sum = 0;
    let count = 0;
    let highest = Number.NEGATIVE_INFINITY;
    let lowest = Number.POSITIVE_INFINITY;
    for (let i = lo; i < hi; i++) {
      const value = values[i] as number;
      if (Number.isNaN(value)) continue;
      sum += value;
      count++;
      if (value > highest) highest = value;
      if (value < lowest) lowest = value;
    }
    return count === 0 ? { avg: null, highest: null, lowest: null } : { avg: sum / count, highest, lowest };
  }

  #range(from: number, to: number): [number, number] {
    const lo = this.#lowerBound(from);
    return [lo, Math.max(lo, this.#lowerBound(to))];
  }

  /** The first index whose open time is >= `time`. */
  #lowerBound(time: number): number {
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#times[mid] as number) < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #set(at: number, row: IndicatorRow): void {
    this.#times[at] = row.openTime;
    for (const [i, field] of NUMERIC_FIELDS.entries())
      (this.#values[i] as Float64Array)[at] = row[field] ?? Number.NaN;
    this.#signals[at] = signalCode(row.signal);
  }

  #grow(): void {
    const capacity = this.#times.length * 2;
    const grown = (old: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(old.subarray(0, this.#length));
      return next;
    };
    this.#times = grown(this.#times);
    this.#values = this.#values.map(grown);
    const signals = new Uint8Array(capacity);
    signals.set(this.#signals.subarray(0, this.#length));
    this.#signals = signals;
  }
}
