/**
 * Fault injection of the fake Nobitex server: which fault hits a request is drawn from a seeded
 * PRNG, so a run with the same seed and request order fails the same way; fault-schedule.ts adds the
 * guarantee that every enabled kind fires.
 */
import { mulberry32 } from "@shamdan/shared/core/prng";
import type { UdfOk } from "@shamdan/shared/core/udf";

export interface FaultRates {
  /** HTTP 429 with `{"status":"failed","code":"TooManyRequests","backOff":N}`. */
  rate429?: number;
  backOffSeconds?: number;
  rate5xx?: number;
  /** Slow answers: delayed by `slowMs` real milliseconds. */
  slowRate?: number;
  slowMs?: number;
  /** Bodies that are not valid UDF: truncated JSON, HTML, unequal arrays, a null value. */
  malformedRate?: number;
  /** One candle of the page made invalid (high below low, or negative volume). */
  invalidCandleRate?: number;
  /** Every enabled kind is served at least once within about this many requests (fault-schedule.ts). Default 20. */
  guaranteeWithin?: number;
}

export type FaultKind = "rate429" | "upstream5xx" | "slow" | "malformed" | "invalidCandle";

export const seededRandom = mulberry32;

/** Draws the faults of one request. Every rate is drawn every time, so the schedule does not shift. */
export function drawFaults(rates: FaultRates, random: () => number): Set<FaultKind> {
  const hit = new Set<FaultKind>();
  const draws: [FaultKind, number | undefined][] = [
    ["rate429", rates.rate429],
    ["upstream5xx", rates.rate5xx],
    ["slow", rates.slowRate],
    ["malformed", rates.malformedRate],
    ["invalidCandle", rates.invalidCandleRate],
  ];
  for (const [kind, rate] of draws) if (random() < (rate ?? 0)) hit.add(kind);
  return hit;
}

/** A body that fails to parse or fails the UDF schema (a whole-page error for the client). */
export function malformedBody(page: UdfOk, random: () => number): string {
  const json = JSON.stringify(page);
  switch (Math.floor(random() * 4)) {
    case 0:
      return json.slice(0, Math.max(1, Math.floor(json.length / 2)));
    case 1:
      return "<html><body><h1>502 Bad Gateway</h1></body></html>";
    case 2:
      return JSON.stringify({ ...page, c: [...page.c, 1] });
    default:
      return JSON.stringify({ ...page, t: page.t.length > 0 ? page.t : [0], o: [null] });
  }
}

/** A copy of the page with one candle broken so the per-candle checks must drop it. */
export function withInvalidCandle(page: UdfOk, random: () => number): UdfOk {
  const i = Math.floor(random() * page.t.length);
  const copy = { ...page, h: [...page.h], l: [...page.l], v: [...page.v] };
  if (random() < 0.5) {
    const low = copy.l[i] as number;
    copy.h[i] = low > 0 ? low / 2 : -1;
  } else {
    copy.v[i] = -1 - (copy.v[i] as number);
  }
  return copy;
}
