import { expect, test } from "bun:test";
import { Backoff } from "./backoff.ts";
import { NobitexError } from "./nobitex-error.ts";

const policy = { baseMs: 1000, maxMs: 8000, maxServerBackOffMs: 60_000 };
const rateLimited = (backOffSeconds?: number) =>
  new NobitexError("RATE_LIMITED", "rate_limited", "429", { backOffSeconds });
const unavailable = new NobitexError("UPSTREAM_UNAVAILABLE", "upstream_5xx", "503");

test("429 waits exactly the backOff the server asked for", () => {
  const backoff = new Backoff(policy, () => 0.5);
  expect(backoff.onFailure(rateLimited(12), 1_000)).toBe(12_000);
  expect(backoff.isWaiting(12_999)).toBe(true);
  expect(backoff.isWaiting(13_000)).toBe(false);
  expect(backoff.remainingMs(7_000)).toBe(6_000);
});

test("a server backOff is capped, a 429 without one falls back to the exponential policy", () => {
  expect(new Backoff(policy, () => 0).onFailure(rateLimited(3600), 0)).toBe(60_000);
  expect(new Backoff(policy, () => 0).onFailure(rateLimited(), 0)).toBe(500);
});

test("other failures back off exponentially with jitter between half and all of a capped ceiling", () => {
  const low = new Backoff(policy, () => 0);
  const high = new Backoff(policy, () => 0.999_999);
  const lows = [1, 2, 3, 4, 5, 6].map(() => low.onFailure(unavailable, 0));
  const highs = [1, 2, 3, 4, 5, 6].map(() => Math.round(high.onFailure(unavailable, 0)));
  expect(lows).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  expect(highs).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  expect(low.failures).toBe(6);
});

test("success resets everything", () => {
  const backoff = new Backoff(policy, () => 0.5);
  backoff.onFailure(unavailable, 0);
  backoff.onFailure(unavailable, 0);
  backoff.onSuccess();
  expect([backoff.failures, backoff.isWaiting(0), backoff.lastDelayMs]).toEqual([0, false, 0]);
  expect(backoff.onFailure(unavailable, 0)).toBe(750);
});
