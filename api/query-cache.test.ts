import { expect, test } from "bun:test";
import { estimateBytes, QueryCache } from "./query-cache.ts";

test("identical queries in flight share one load; failures are not kept", async () => {
  const cache = new QueryCache(60_000);
  let loads = 0;
  const load = async () => {
    loads += 1;
    await Bun.sleep(1);
    return loads;
  };
  const answers = await Promise.all(Array.from({ length: 50 }, () => cache.get("k", load)));
  expect(new Set(answers)).toEqual(new Set([1]));
  expect(await cache.get("other", load)).toBe(2);
  await expect(cache.get("bad", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
  expect(await cache.get("bad", load)).toBe(3);
});

test("a zero TTL never reuses an answer", async () => {
  const cache = new QueryCache(0);
  let loads = 0;
  const load = async () => ++loads;
  await cache.get("k", load);
  await cache.get("k", load);
  expect(loads).toBe(2);
});

/** Sizes answers by a field, so tests control exactly how many bytes each one counts for. */
const sized = (answer: unknown) => (answer as { bytes: number }).bytes;
const answer = (bytes: number) => async () => ({ bytes });

test("expired answers are dropped on the next insert, not kept until some count is reached", async () => {
  const cache = new QueryCache(30, 1_000_000, sized);
  for (let i = 0; i < 20; i++) await cache.get(`k${i}`, answer(1000));
  expect(cache.size).toBe(20);
  await Bun.sleep(40);
  await cache.get("fresh", answer(1000));
  expect(cache.size).toBe(1);
  expect(cache.bytes).toBeLessThan(2000);
});

test("the byte budget holds: least recently used answers go first", async () => {
  const budget = 64_000;
  const cache = new QueryCache(60_000, budget, sized);
  let loads = 0;
  const load = (bytes: number) => async () => {
    loads += 1;
    return { bytes };
  };
  await cache.get("a", load(3000));
  await cache.get("b", load(3000));
  for (let i = 0; i < 100; i++) {
    await cache.get(`k${i}`, load(3000));
    // "a" is read all along, so it stays; "b" is not and is pushed out.
    await cache.get("a", load(3000));
    expect(cache.bytes).toBeLessThanOrEqual(budget);
  }
  expect(cache.size).toBeLessThan(25);
  const before = loads;
  await cache.get("a", load(3000));
  expect(loads).toBe(before);
  await cache.get("b", load(3000));
  expect(loads).toBe(before + 1);
});

test("an answer over a sixteenth of the budget is shared in flight but not kept", async () => {
  const cache = new QueryCache(60_000, 16_000, sized);
  let loads = 0;
  const big = async () => {
    loads += 1;
    await Bun.sleep(5);
    return { bytes: 5000 };
  };
  const shared = await Promise.all([cache.get("big", big), cache.get("big", big)]);
  expect(loads).toBe(1);
  expect(shared[0]).toBe(shared[1]);
  expect(cache.size).toBe(0);
  expect(cache.bytes).toBe(0);
  await cache.get("big", big);
  expect(loads).toBe(2);
});

test("estimateBytes grows with the rows of an answer and sees their strings", () => {
  const row = (i: number) => ({ openTime: i, close: 1.5, signal: "HOLD", sma: null });
  const small = estimateBytes(Array.from({ length: 10 }, (_, i) => row(i)));
  const large = estimateBytes(Array.from({ length: 10_000 }, (_, i) => row(i)));
  expect(large / small).toBeGreaterThan(800);
  expect(large / small).toBeLessThan(1200);
  expect(estimateBytes({ text: "x".repeat(10_000) })).toBeGreaterThan(20_000);
});
