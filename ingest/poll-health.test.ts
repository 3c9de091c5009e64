import { expect, test } from "bun:test";
import { PollHealth } from "./poll-health.ts";

test("a failure is news when it follows a success or differs in kind or message; repeats are not", () => {
  const health = new PollHealth(["A", "B"]);
  const news = (kind: string, error: string) => health.onFailure("A", kind, error, 0).newFailure;
  expect(news("network", "refused")).toBe(true);
  expect(news("network", "refused")).toBe(false);
  expect(news("timeout", "no answer within 5000 ms")).toBe(true);
  expect(news("timeout", "no answer within 5000 ms")).toBe(false);
  expect(news("upstream_5xx", "HTTP 502")).toBe(true);
  expect(health.onSuccess("A", 1).recovered).toBe(true);
  expect(health.onSuccess("A", 2).recovered).toBe(false);
  expect(news("upstream_5xx", "HTTP 502")).toBe(true);
});

test("not ready only while every symbol fails; each change is reported once", () => {
  const health = new PollHealth(["A", "B"], { failingAfterPolls: 2, failingAfterMs: 60_000 });
  for (const s of ["A", "B"]) health.onSuccess(s, 0);
  const fail = (s: string, now: number) => health.onFailure(s, "network", "refused", now);
  expect(fail("A", 1).becameNotReady).toBe(false);
  expect(fail("A", 2).becameNotReady).toBe(false); // A failing, B fine
  expect(fail("B", 3).becameNotReady).toBe(false); // B's first failure after successes: a blip
  const change = fail("B", 4);
  expect(change.becameNotReady).toBe(true);
  expect(health.allFailing).toBe(true);
  expect(fail("B", 5).becameNotReady).toBe(false);
  expect(health.errors(5)).toEqual({
    A: { kind: "network", error: "refused" },
    B: { kind: "network", error: "refused" },
  });
  expect(health.onSuccess("A", 6).becameReady).toBe(true);
  expect(health.onSuccess("A", 7).becameReady).toBe(false);
  expect(health.symbol("B", 7)).toMatchObject({ status: "failing", failures: 3, lastError: "refused" });
  expect(health.symbol("A", 7)).toMatchObject({ status: "ok", failures: 0, lastError: "refused" });
});
