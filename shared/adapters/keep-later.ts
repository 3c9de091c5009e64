/** The "latest value per key" rule both Bus adapters apply in readLatestByKey (bus.ts, ReadLatestOptions). */
import type { ReadLatestOptions } from "../core/bus.ts";

export function keepLater(
  latest: Map<string, Uint8Array>,
  key: string,
  value: Uint8Array,
  options: ReadLatestOptions,
): void {
  const kept = latest.get(key);
  if (kept === undefined || !options.replaces || options.replaces(value, kept)) latest.set(key, value);
}
