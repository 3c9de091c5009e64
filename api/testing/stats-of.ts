/**
 * Expected answers for API tests, computed in plain JS from the rows (shared/testing/recordings.ts),
 * independently of any SQL.
 */
/** Plain-JS statistics of one field over rows, nulls ignored (SQL's AVG/MAX/MIN semantics). */
export function statsOf(values: readonly (number | null)[]) {
  const xs = values.filter((x): x is number => x !== null);
  if (xs.length === 0) return { avg: null, highest: null, lowest: null };
  // Kahan-free plain sum: the comparison in tests allows a relative tolerance.
  return {
    avg: xs.reduce((a, b) => a + b, 0) / xs.length,
    highest: Math.max(...xs),
    lowest: Math.min(...xs),
  };
}
