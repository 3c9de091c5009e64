/**
 * The gate in front of indicator state: one NaN, infinite or negative price would poison every later
 * EMA/RSI value, so such a candle is rejected before it touches anything. The rule is `ohlcvProblem`
 * (candle.ts, which ingest applies too), plus a valid open time.
 */
import { type Candle, ohlcvProblem } from "./candle.ts";

/** Why the candle cannot enter indicator state, or null when it can. */
export function candleDefect(c: Candle): string | null {
  // Kept small so that the engine's compiled step inlines it; the description is built out of line.
  return acceptable(c) ? null : describeDefect(c);
}

/** One comparison chain; any NaN makes a comparison false, so NaN fails it too. */
function acceptable({ openTime, open, high, low, close, volume }: Candle): boolean {
  return (
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
  );
}

function describeDefect(c: Candle): string {
  const { openTime, open, high, low, close, volume } = c;
  if (!Number.isSafeInteger(openTime) || openTime < 0)
    return `openTime must be a non-negative integer (epoch ms), got ${openTime}`;
  const problem = ohlcvProblem(c);
  const ohlcv = `open=${open} high=${high} low=${low} close=${close} volume=${volume}`;
  return `${problem ?? "invalid"}: ${ohlcv}`;
}
