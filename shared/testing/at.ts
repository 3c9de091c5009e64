/**
 * Checked reads for tests. With `noUncheckedIndexedAccess` an index read is `T | undefined`; these
 * helpers turn a missing element into an error that names the index and the length, so a test whose
 * data came out shorter than it assumed fails at that read instead of later on an `undefined`.
 */

/** The element at `i` (negative counts from the end, as `Array.prototype.at`); throws when missing. */
export function at<T>(xs: ArrayLike<T>, i: number): T {
  const index = i < 0 ? xs.length + i : i;
  if (!Number.isInteger(index) || index < 0 || index >= xs.length) {
    throw new RangeError(`no element at index ${i}: the list has ${xs.length}`);
  }
  return xs[index] as T;
}

/** The first element; throws on an empty list. */
export const first = <T>(xs: ArrayLike<T>): T => at(xs, 0);

/** The last element; throws on an empty list. */
export const last = <T>(xs: ArrayLike<T>): T => at(xs, -1);
