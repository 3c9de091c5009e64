/**
 * The property test shared by the hand-checked fast parsers (processor/parse-candle.ts,
 * sink/parse-row.ts): on random valid and hostile messages they must answer exactly what
 * `parseMessage(schema)` answers (acceptance, output, and the reason of a rejection).
 */
import { expect } from "bun:test";
import type * as v from "valibot";
import { textEncoder } from "../core/bus.ts";
import { type Parsed, parseMessage } from "../core/parse-message.ts";

/** Number literals JSON.parse reads as ±Infinity / that are not JSON at all. */
const RAW_NUMBERS = ["1e999", "-1e999", "NaN"];

/**
 * Half the time, 1-3 fields of `message` are deleted, replaced by an odd value, or by a raw literal
 * (1e999) that only appears in the text; the other half it stays as it is. Returns the JSON text.
 */
export function mutatedJson(
  message: Record<string, unknown>,
  odd: readonly unknown[],
  rnd: () => number,
): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const m = { ...message };
  const raws: [string, string][] = [];
  if (rnd() < 0.5) {
    for (let k = 0, n = 1 + Math.floor(rnd() * 3); k < n; k++) {
      const field = pick([...Object.keys(message), "extra", "__proto__"]);
      const r = rnd();
      if (r < 0.1) delete m[field];
      else if (r < 0.2) raws.push([field, pick(RAW_NUMBERS)]);
      else m[field] = pick(odd);
    }
  }
  let text = JSON.stringify(m);
  for (const [field, raw] of raws) {
    m[field] = "@RAW@";
    text = JSON.stringify(m).replace('"@RAW@"', raw);
  }
  return text;
}

/** Runs `count` random messages through both parsers and expects identical answers. */
export function expectSameAsValibot<S extends v.GenericSchema>(options: {
  fast: (bytes: Uint8Array) => Parsed<v.InferOutput<S>>;
  schema: S;
  randomMessage: (rnd: () => number) => string;
  rnd: () => number;
  /** The output's keys, in valibot's order (unknown keys dropped). */
  fields: readonly string[];
  count?: number;
}): void {
  const count = options.count ?? 20_000;
  let accepted = 0;
  for (let i = 0; i < count; i++) {
    const bytes = textEncoder.encode(options.randomMessage(options.rnd));
    const fast = options.fast(bytes);
    expect(fast).toEqual(parseMessage(options.schema, bytes));
    if (fast.ok) {
      accepted++;
      expect(Object.keys(fast.value as object)).toEqual([...options.fields]);
    }
  }
  // Both branches are exercised in earnest.
  expect(accepted).toBeGreaterThan(count / 4);
  expect(accepted).toBeLessThan(count * 0.95);
}
