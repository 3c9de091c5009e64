import { describe, expect, test } from "bun:test";
import { textEncoder } from "@shamdan/shared/core/bus";
import { type IndicatorRow, IndicatorRowSchema, ROW_NUMBER_FIELDS } from "@shamdan/shared/core/messages";
import { type Parsed, parseMessage } from "@shamdan/shared/core/parse-message";
import {
  EARLIEST_CANDLE_MS,
  implausibleOpenTime,
  implausibleValues,
  MAX_CANDLE_LEAD_MS,
  MAX_CANDLE_VALUE,
} from "@shamdan/shared/core/plausibility";
import { mulberry32 as prng } from "@shamdan/shared/core/prng";
import { RowEncoder } from "@shamdan/shared/core/row-codec";
import { mutatedJson } from "@shamdan/shared/testing/fast-parser-property";
import { parseRow } from "./parse-row.ts";

const NOW = Date.now();
const DAY = 24 * 60 * 60 * 1000;

const valid = {
  v: 1,
  symbol: "BTCIRT",
  openTime: 1_700_000_040_000,
  open: 10.5,
  high: 12,
  low: 9.75,
  close: 11,
  volume: 0.123,
  sma: 10.9,
  ema: 10.8,
  delta: 0.5,
  gain: 0.5,
  loss: 0,
  avgGain: 0.3,
  avgLoss: 0.1,
  rs: 3,
  rsi: 75,
  signal: "HOLD",
  signalChanged: false,
  replaced: false,
};
const FIELDS = Object.keys(valid);
const NULLABLE = ["sma", "ema", "delta", "gain", "loss", "avgGain", "avgLoss", "rs", "rsi"];
/** The nullable indicators held to the value bound (rs, a ratio, is not). */
const BOUNDED = NULLABLE.filter((f) => f !== "rs");

/** Values that probe every rule: types, signs, integers, non-finite (1e999), signals, edges. */
const ODD: unknown[] = [
  null,
  true,
  false,
  "1",
  "",
  "BUY",
  "SELL",
  "HOLD",
  "buy",
  "BTCIRT",
  "btcirt",
  "B",
  "A".repeat(20),
  "A".repeat(21),
  "BTC-IRT",
  0,
  -0,
  1,
  2,
  -1,
  -0.5,
  0.5,
  1e-300,
  2 ** 53 - 1,
  2 ** 53,
  1.5e12,
  // Plausibility edges (shared/core/plausibility.ts): open times around 2010 and around now + 1 day, values
  // around the absurd bound, either sign. None is within a minute of a bound that moves with the clock.
  EARLIEST_CANDLE_MS - 1,
  EARLIEST_CANDLE_MS,
  NOW + MAX_CANDLE_LEAD_MS - 60_000,
  NOW + MAX_CANDLE_LEAD_MS + 60_000,
  MAX_CANDLE_VALUE,
  MAX_CANDLE_VALUE * 1.01,
  -MAX_CANDLE_VALUE,
  -MAX_CANDLE_VALUE * 1.01,
  1e308,
  -1e308,
  [],
  {},
  [1],
];

function randomMessage(rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const m: Record<string, unknown> = { ...valid, signal: pick(["BUY", "SELL", "HOLD"]) };
  m.signalChanged = rnd() < 0.5;
  m.replaced = rnd() < 0.2;
  for (const f of [...NULLABLE, "open", "high", "low", "close", "volume"]) m[f] = (rnd() - 0.2) * 100;
  // Warming-up rows carry nulls; most rows are otherwise realistic.
  for (const f of NULLABLE) if (rnd() < 0.2) m[f] = null;
  for (const f of ["open", "high", "low", "close", "volume"]) m[f] = Math.abs(m[f] as number);
  return mutatedJson(m, ODD, rnd);
}

/**
 * What parseRow must answer, spelled out with the slow parts: valibot decides the shape (and the
 * reason of a malformed message), then shared/core/plausibility.ts decides whether a well-formed row can be
 * a real candle's: open time, OHLCV, then each non-null indicator in field order.
 */
function reference(bytes: Uint8Array): Parsed<IndicatorRow> {
  const parsed = parseMessage(IndicatorRowSchema, bytes);
  if (!parsed.ok) return parsed;
  const r = parsed.value;
  const indicators = BOUNDED.map((f) => [f, r[f as keyof IndicatorRow]] as const).filter(
    ([, x]) => x !== null,
  );
  const why =
    implausibleOpenTime(r.openTime, NOW) ??
    implausibleValues({ open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume }) ??
    implausibleValues(Object.fromEntries(indicators) as Record<string, number>);
  return why === null ? parsed : { ok: false, reason: `implausible: ${why}` };
}

describe("parseRow", () => {
  test("is valibot then the plausibility checks, for 20,000 random valid, invalid and implausible messages", () => {
    const rnd = prng(20_261_126);
    const count = 20_000;
    const seen = { accepted: 0, malformed: 0, implausible: 0 };
    for (let i = 0; i < count; i++) {
      const bytes = textEncoder.encode(randomMessage(rnd));
      const fast = parseRow(bytes, NOW);
      expect(fast).toEqual(reference(bytes));
      if (fast.ok) {
        seen.accepted++;
        expect(Object.keys(fast.value)).toEqual(FIELDS);
      } else if (fast.reason.startsWith("implausible: ")) seen.implausible++;
      else seen.malformed++;
    }
    // Every branch is exercised in earnest.
    expect(seen.accepted).toBeGreaterThan(count / 4);
    expect(seen.malformed).toBeGreaterThan(count / 20);
    expect(seen.implausible).toBeGreaterThan(count / 100);
  });

  test("implausible open times and absurd values are refused with a reason naming the field", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ openTime: 2 ** 53 - 1 }, "openTime 9007199254740991 is more than a day ahead"],
      [{ openTime: NOW + 2 * DAY }, "more than a day ahead"],
      [{ openTime: 0 }, "openTime 0 is before 2010-01-01"],
      [{ openTime: EARLIEST_CANDLE_MS - 60_000 }, "before 2010-01-01"],
      [{ close: 1e308 }, "close 1e+308 exceeds"],
      [{ volume: 1e19 }, "volume 10000000000000000000 exceeds"],
      [{ sma: 1e300 }, "sma 1e+300 exceeds"],
      [{ delta: -1e19 }, "delta -10000000000000000000 exceeds"],
      [{ rsi: 2e18 }, "rsi 2000000000000000000 exceeds"],
    ];
    for (const [change, words] of cases) {
      const bytes = textEncoder.encode(JSON.stringify({ ...valid, ...change }));
      const parsed = parseRow(bytes, NOW);
      expect(parsed).toEqual({ ok: false, reason: expect.stringContaining(words) });
      expect(!parsed.ok && parsed.reason.startsWith("implausible: ")).toBe(true);
    }
    // The bounds themselves are plausible.
    for (const change of [
      { openTime: EARLIEST_CANDLE_MS },
      { openTime: NOW + MAX_CANDLE_LEAD_MS },
      { high: MAX_CANDLE_VALUE, volume: MAX_CANDLE_VALUE },
      { delta: -MAX_CANDLE_VALUE, rsi: MAX_CANDLE_VALUE, sma: null },
      // rs is a ratio: a tiny average loss makes it legitimately huge.
      { rs: 1e300 },
    ])
      expect(parseRow(textEncoder.encode(JSON.stringify({ ...valid, ...change })), NOW).ok).toBe(true);
  });

  test("non-JSON, arrays, primitives and an empty tombstone get valibot's reasons", () => {
    for (const text of ["{", "", "[]", "null", "1", '"x"', JSON.stringify({ ...valid, signal: "WAIT" })]) {
      const bytes = textEncoder.encode(text);
      const fast = parseRow(bytes);
      expect(fast.ok).toBe(false);
      expect(fast).toEqual(parseMessage(IndicatorRowSchema, bytes));
    }
  });

  test("keeps -0 and nulls exactly as valibot does", () => {
    // JSON.stringify writes -0 as 0: put the literal in by hand.
    const text = JSON.stringify({ ...valid, open: 1, sma: null, rs: null }).replace('"open":1', '"open":-0');
    const bytes = textEncoder.encode(text);
    const fast = parseRow(bytes);
    expect(fast).toEqual(parseMessage(IndicatorRowSchema, bytes));
    expect(fast.ok && Object.is(fast.value.open, -0)).toBe(true);
  });

  test("a binary row is accepted or refused exactly as its JSON text is, with the same reason", () => {
    const rnd = prng(99);
    const pool = [null, -1, 0, 2.5, 0.1 + 0.2, 1e-300, MAX_CANDLE_VALUE, 1e19, -1e19, 12, 9.75];
    const times = [valid.openTime, EARLIEST_CANDLE_MS - 60_000, NOW + 2 * DAY, 2 ** 53 - 1, 1.5, -60_000];
    const encoder = new RowEncoder("binary");
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const openTime = rnd() < 0.7 ? valid.openTime : times[Math.floor(rnd() * times.length)];
      const row: Record<string, unknown> = { ...valid, openTime };
      for (const field of ROW_NUMBER_FIELDS)
        if (rnd() < 0.15) row[field] = pool[Math.floor(rnd() * pool.length)] as number | null;
      const fromJson = parseRow(textEncoder.encode(JSON.stringify(row)), NOW);
      const binary = encoder.encode(row as IndicatorRow);
      expect(binary).toBeInstanceOf(Uint8Array);
      expect(parseRow(binary as Uint8Array, NOW)).toEqual(fromJson);
      if (!fromJson.ok) refused++;
    }
    // Both kinds were exercised.
    expect(refused).toBeGreaterThan(300);
    expect(refused).toBeLessThan(2700);
  });
});
