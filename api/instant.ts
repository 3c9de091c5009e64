/**
 * Points in time at the HTTP boundary: ISO-8601 (`2026-07-25T12:30:00Z`; no offset means UTC) or
 * unix seconds (a JSON number or a string of digits, as Nobitex's UDF `t`). The output is epoch ms UTC,
 * the unit of the store port. Anything else is a 400 naming the field, never an Invalid Date downstream.
 */
import * as v from "valibot";

/** 9999-12-31T23:59:59Z: keeps every accepted instant a valid Date and a safe integer in ms. */
export const MAX_EPOCH_SECONDS = 253_402_300_799;

const ISO_PATTERN =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const DIGITS = /^\d{1,12}(?:\.\d{1,3})?$/;

/** Epoch ms, or undefined when `text` is neither ISO-8601 nor unix seconds within range. */
export function parseInstant(input: string | number): number | undefined {
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input < 0 || input > MAX_EPOCH_SECONDS) return undefined;
    return Math.round(input * 1000);
  }
  const text = input.trim();
  if (DIGITS.test(text)) return parseInstant(Number(text));
  if (!ISO_PATTERN.test(text)) return undefined;
  const hasTime = /[T ]/i.test(text);
  const hasOffset = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(text.slice(10));
  // Date.parse reads a date-time without offset as local time; the API's clock is UTC.
  const ms = Date.parse(hasTime && !hasOffset ? `${text.replace(" ", "T")}Z` : text.replace(" ", "T"));
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_EPOCH_SECONDS * 1000) return undefined;
  return ms;
}

const INSTANT_MESSAGE = "must be an ISO-8601 time (UTC unless an offset is given) or unix seconds";

/** A request field holding an instant (a JSON body's string or number, a query string's text); outputs epoch ms. */
export const InstantSchema = v.pipe(
  v.union([v.pipe(v.string(), v.maxLength(40)), v.number()], INSTANT_MESSAGE),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const ms = parseInstant(dataset.value);
    if (ms === undefined) {
      addIssue({ message: INSTANT_MESSAGE });
      return NEVER;
    }
    return ms;
  }),
  v.description(`Time: ${INSTANT_MESSAGE}.`),
);

export const toIso = (ms: number): string => new Date(ms).toISOString();
