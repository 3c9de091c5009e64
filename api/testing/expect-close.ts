import { expect } from "bun:test";

/**
 * Deep equality in which numbers may differ by `relative` (0: exactly equal). Stores sum in different
 * orders (SQLite with compensated summation, QuestDB left to right within a partition and then in
 * whatever order its workers finish), so sums and averages can differ in the last bits.
 */
export function expectClose(actual: unknown, expected: unknown, relative: number, path = "answer"): void {
  if (typeof expected === "number" && typeof actual === "number") {
    if (actual !== expected)
      expect(Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300), path).toBeLessThan(relative);
    return;
  }
  if (expected === null || typeof expected !== "object" || actual === null || typeof actual !== "object") {
    expect(actual, path).toEqual(expected);
    return;
  }
  expect(Object.keys(actual).sort(), path).toEqual(Object.keys(expected).sort());
  for (const key of Object.keys(expected))
    expectClose(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
      relative,
      `${path}.${key}`,
    );
}
