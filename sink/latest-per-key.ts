/**
 * Within one batch, several rows may share (symbol, openTime): a still-open candle re-delivered and
 * re-processed. The store would upsert them in order anyway; keeping only the last saves writes and
 * makes the result independent of how the store orders rows inside one request.
 */
import type { IndicatorRow } from "@shamdan/shared/core/messages";

/** Rows, or items carrying one (the sink keeps each row with the message it came from). */
export function latestPerKey(rows: readonly IndicatorRow[]): IndicatorRow[];
export function latestPerKey<T>(items: readonly T[], rowOf: (item: T) => IndicatorRow): T[];
export function latestPerKey<T>(
  items: readonly T[],
  rowOf: (item: T) => IndicatorRow = (item) => item as IndicatorRow,
): T[] {
  // The usual batch has strictly increasing open times per symbol, hence no duplicates: checking
  // that costs one small map per batch instead of a string key per row.
  const lastTime = new Map<string, number>();
  let increasing = true;
  for (const item of items) {
    const row = rowOf(item);
    const last = lastTime.get(row.symbol);
    if (last !== undefined && row.openTime <= last) {
      increasing = false;
      break;
    }
    lastTime.set(row.symbol, row.openTime);
  }
  if (increasing) return [...items];
  const byKey = new Map<string, T>();
  for (const item of items) {
    const row = rowOf(item);
    const key = `${row.symbol}\u0000${row.openTime}`;
    // delete + set moves the key to the end: the result keeps the order of last occurrence.
    byKey.delete(key);
    byKey.set(key, item);
  }
  return [...byKey.values()];
}
