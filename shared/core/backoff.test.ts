import { describe, expect, test } from "bun:test";
import { backoffDelay, retryWithBackoff } from "./backoff.ts";

describe("backoffDelay", () => {
  test("doubles per attempt, capped, with jitter in [ceiling/2, ceiling]", () => {
    expect(backoffDelay(1, 100, 1000, () => 0)).toBe(50);
    expect(backoffDelay(1, 100, 1000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 1000, () => 1)).toBe(400);
    expect(backoffDelay(10, 100, 1000, () => 1)).toBe(1000);
    expect(backoffDelay(10, 100, 1000, () => 0)).toBe(500);
    expect(backoffDelay(500, 100, 1000, () => 0.5)).toBe(750);
  });
});

describe("retryWithBackoff", () => {
  test("retries until the work succeeds, reporting each retry", async () => {
    let calls = 0;
    const retries: number[] = [];
    const value = await retryWithBackoff(
      async () => {
        calls++;
        if (calls < 3) throw new Error("down");
        return "ok";
      },
      { baseMs: 1, maxMs: 2, shouldContinue: () => true, onRetry: (_e, attempt) => retries.push(attempt) },
    );
    expect(value).toBe("ok");
    expect(retries).toEqual([1, 2]);
  });

  test("gives up with the last error once the caller stops, without sleeping out the delay", async () => {
    let running = true;
    let ticks = 0;
    const promise = retryWithBackoff(
      async () => {
        throw new Error("still down");
      },
      {
        baseMs: 60_000,
        maxMs: 60_000,
        shouldContinue: () => running,
        tick: async () => {
          ticks++;
          running = false;
        },
      },
    );
    await expect(promise).rejects.toThrow("still down");
    expect(ticks).toBe(1);
  });

  test("retryIf false rethrows at once: an error waiting cannot fix is not retried", async () => {
    let calls = 0;
    const fatal = new Error("rejected");
    const promise = retryWithBackoff(
      async () => {
        calls++;
        throw calls < 3 ? new Error("transient") : fatal;
      },
      { baseMs: 1, maxMs: 2, shouldContinue: () => true, retryIf: (e) => e !== fatal },
    );
    await expect(promise).rejects.toBe(fatal);
    expect(calls).toBe(3);
  });
});
