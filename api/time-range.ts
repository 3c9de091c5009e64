/**
 * `from`/`to` of the read endpoints: a half-open window from <= open time < to (the store's), defaulting
 * to the last 24 hours, never longer than API_MAX_PERIOD_MINUTES and never inverted.
 */
import { ApiError } from "./api-error.ts";

export const DEFAULT_RANGE_MS = 24 * 60 * 60_000;

export function timeRange(
  query: { from?: number | undefined; to?: number | undefined },
  maxMinutes: number,
  now = Date.now(),
): { from: number; to: number } {
  const to = query.to ?? (query.from !== undefined ? Math.min(now, query.from + DEFAULT_RANGE_MS) : now);
  const from = query.from ?? to - DEFAULT_RANGE_MS;
  if (from >= to) {
    throw new ApiError(400, "invalid_request", "from must be before to", [
      { field: "from", message: "must be before to" },
    ]);
  }
  if (to - from > maxMinutes * 60_000) {
    throw new ApiError(400, "invalid_request", `the range is longer than ${maxMinutes} minutes`, [
      { field: "to", message: `to - from must be at most ${maxMinutes} minutes` },
    ]);
  }
  return { from, to };
}
