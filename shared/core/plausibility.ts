/**
 * Plausibility of a candle's values, checked where data enters a service (ingest's parsed page, the
 * processor's candle messages, the sink's rows) so that a value which is well-formed but cannot be a
 * real 1-minute candle never reaches indicator state or storage. A schema alone accepts them: an
 * `openTime` of 2^53 - 1 or a close of 1e308 are finite, non-negative numbers, yet QuestDB refuses the
 * first (outside its timestamp range) and the second poisons every average it enters.
 *
 * The bounds are deliberately wide: they reject only what no market could produce.
 */

/** No exchange Shamdan reads has candles before 2010-01-01T00:00:00Z. */
export const EARLIEST_CANDLE_MS = Date.UTC(2010, 0, 1);
/** A candle may open at most this far ahead of the local clock (clock skew, time zones done wrong). */
export const MAX_CANDLE_LEAD_MS = 24 * 60 * 60 * 1000;
/**
 * Largest price or volume accepted. Rial prices of the dearest market are around 1e11 and volumes of
 * the cheapest coins around 1e13; 1e18 leaves orders of magnitude for inflation while keeping sums of
 * thousands of values far from overflow.
 */
export const MAX_CANDLE_VALUE = 1e18;

/** Why `openTime` (epoch ms) cannot be a real candle's open time, or null when it can. */
export function implausibleOpenTime(openTime: number, now: number = Date.now()): string | null {
  if (!Number.isSafeInteger(openTime)) return `openTime must be an integer epoch ms, got ${openTime}`;
  if (openTime < EARLIEST_CANDLE_MS)
    return `openTime ${openTime} is before 2010-01-01 (not a plausible candle time)`;
  if (openTime > now + MAX_CANDLE_LEAD_MS)
    return `openTime ${openTime} is more than a day ahead of the clock (${now})`;
  return null;
}

/** Why one of the values (prices, volume) is absurd, or null when every one is finite and in range. */
export function implausibleValues(values: Record<string, number>): string | null {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isFinite(value)) return `${name} must be finite, got ${value}`;
    if (Math.abs(value) > MAX_CANDLE_VALUE)
      return `${name} ${value} exceeds ${MAX_CANDLE_VALUE} (absurd value)`;
  }
  return null;
}

/** The two checks together for an OHLCV candle; null when it is plausible. */
export function implausibleCandle(
  c: { openTime: number; open: number; high: number; low: number; close: number; volume: number },
  now: number = Date.now(),
): string | null {
  return (
    implausibleOpenTime(c.openTime, now) ??
    implausibleValues({ open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume })
  );
}
