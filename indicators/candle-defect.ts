/**
 * The gate in front of indicator state: one NaN, infinite or negative price would poison every later
 * EMA/RSI value, so such a candle is rejected before it touches anything. The rule is `ohlcvProblem`
 * (candle.ts, which ingest applies too), plus a valid open time.
 */
import { type Candle, ohlcvProblem } from "./candle.ts";

/** Why the candle cannot enter indicator state, or null when it can. */
export function candleDefect(c: Candle): string | null {
  const { openTime, open, high, low, close, volume } = c;
  // Fast path: one comparison chain; any NaN makes a comparison false, so NaN fails it too.
  if (
    low >= 0 &&
    low <= open &&
    low <= close &&
    open <= high &&
    close <= high &&
    high < Number.POSITIVE_INFINITY &&
    volume >= 0 &&
    volume < Number.POSITIVE_INFINITY &&
    Number.isSafeInteger(openTime) &&
    openTime >= 0
  )
    return null;
  if (!Number.isSafeInteger(openTime) || openTime < 0)
    return `openTime must be a non-negative integer (epoch ms), got ${openTime}`;
  const problem = ohlcvProblem(c);
  const ohlcv = `open=${open} high=${high} low=${low} close=${close} volume=${volume}`;
  return `${problem ?? "invalid"}: ${ohlcv}`;
}
