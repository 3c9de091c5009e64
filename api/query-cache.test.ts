import { expect, test } from "bun:test";
import { QueryCache } from "./query-cache.ts";

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
