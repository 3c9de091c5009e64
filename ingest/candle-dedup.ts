/**
 * Exact dedup of re-delivered candles for one symbol: Nobitex re-sends the
 * still-forming candle on every poll and the overlap window re-sends closed ones. A candle is
 * published when its open time is new or its values changed; an identical re-delivery is not.
 *
 * `changed` is a pure question; `remember` is called only after the bus acknowledged the publish,
 * so a failed publish is retried on the next poll instead of being lost.
 */
import type { Candle } from "@shamdan/shared/core/udf";

/** Compared field by field: building a string key per candle was a tenth of a long backfill's time. */
const sameValues = (a: Candle, b: Candle) =>
  a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume;

export class CandleDedup {
  readonly #published = new Map<number, Candle>();
  #lastSeen: number | undefined;

  /** `capacity` open times are remembered (older ones are only re-sent after long outages: harmless downstream). */
  constructor(readonly capacity = 5000) {}

  /** Largest open time (ms) published so far, the next poll's starting point. */
  get lastSeenOpenTime(): number | undefined {
    return this.#lastSeen;
  }

  /** The candles that must go out: new open times, or values different from what was last published. */
  changed(candles: readonly Candle[]): Candle[] {
    return candles.filter((c) => {
      const last = this.#published.get(c.openTime);
      return last === undefined || !sameValues(last, c);
    });
  }

  /** Records candles as published (after the bus acknowledged them). */
  remember(candles: readonly Candle[]): void {
    for (const c of candles) {
      this.#published.delete(c.openTime);
      this.#published.set(c.openTime, c);
      if (this.#lastSeen === undefined || c.openTime > this.#lastSeen) this.#lastSeen = c.openTime;
    }
    // Map iteration is insertion order; re-inserting on update keeps the newest at the end.
    for (const key of this.#published.keys()) {
      if (this.#published.size <= this.capacity) break;
      this.#published.delete(key);
    }
  }

  /** Candles seen but unchanged still advance the starting point (nothing to publish, nothing missed). */
  advanceTo(openTime: number): void {
    if (this.#lastSeen === undefined || openTime > this.#lastSeen) this.#lastSeen = openTime;
  }
}
