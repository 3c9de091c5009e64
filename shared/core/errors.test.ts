import { describe, expect, test } from "bun:test";
import { describeError, isRetryable, retryByCode, ShamdanError } from "./errors.ts";

describe("ShamdanError", () => {
  test("a code that decides retry on its own sets canRetry from the table", () => {
    expect(new ShamdanError("STORE_UNAVAILABLE", "down").canRetry).toBe(true);
    expect(new ShamdanError("STORE_REJECTED", "bad row").canRetry).toBe(false);
    expect(isRetryable(new ShamdanError("RATE_LIMITED", "429"))).toBe(true);
    expect(isRetryable(new ShamdanError("BUS_CLOSED", "closed"))).toBe(false);
  });

  test("a code the cause decides takes canRetry from the caller, and keeps the cause", () => {
    const cause = new Error("ECONNREFUSED");
    const transient = new ShamdanError("BUS_PUBLISH_FAILED", "publishing", true, { cause });
    expect([transient.canRetry, transient.cause]).toEqual([true, cause]);
    expect(new ShamdanError("BUS_PUBLISH_FAILED", "publishing", false).canRetry).toBe(false);
    expect(retryByCode("BUS_PUBLISH_FAILED")).toBeUndefined();
  });

  test("the options of a fixed code carry the cause", () => {
    const cause = new Error("socket hang up");
    const error = new ShamdanError("STORE_TIMEOUT", "slow", { cause });
    expect([error.code, error.canRetry, error.cause, error.message]).toEqual([
      "STORE_TIMEOUT",
      true,
      cause,
      "slow",
    ]);
  });

  test("describeError hides credentials in URLs", () => {
    // A made-up credential (the secret scanner's list of known dummies has "s3cret").
    expect(describeError(new Error("GET http://user:s3cret@host/x failed"))).toBe(
      "Error: GET http://***:***@host/x failed",
    );
  });
});
