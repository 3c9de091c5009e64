import { expect, test } from "bun:test";
import type { Candle } from "@shamdan/shared/core/udf";
import type { HistoryPage } from "./nobitex-client.ts";
import { NobitexError } from "./nobitex-error.ts";
import { type PageWindow, pagedRange, pageWindows, RequestLimit } from "./paged-range.ts";

const fast = { baseMs: 1, maxMs: 2, maxServerBackOffMs: 200 };
const pageOf = (w: PageWindow): HistoryPage => {
  const candles: Candle[] = [];
  for (let t = w.from; t <= w.to; t += 60)
    candles.push({ openTime: t * 1000, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  return { status: "ok", candles, rejected: [] };
};
/** Answers after a seeded delay of 0-7 ms, so pages finish out of order. */
const slowly = (w: PageWindow) => Bun.sleep((w.from * 7919) % 8).then(() => pageOf(w));

/** `slowly`, counting the fetches in flight and the most at once (`peak`). */
function countingSlowFetch() {
  let inFlight = 0;
  const counted = {
    peak: 0,
    fetch: async (w: PageWindow) => {
      counted.peak = Math.max(counted.peak, ++inFlight);
      try {
        return await slowly(w);
      } finally {
        inFlight--;
      }
    },
  };
  return counted;
}

async function collect(range: AsyncGenerator<{ window: PageWindow; page: HistoryPage }[]>) {
  const windows: PageWindow[] = [];
  for await (const group of range) windows.push(...group.map((g) => g.window));
  return windows;
}

test("windows cover the range without overlap, at most the given periods each", () => {
  expect(pageWindows(0, 60 * 1199, 60, 500)).toEqual([
    { from: 0, to: 29_999 },
    { from: 30_000, to: 59_999 },
    { from: 60_000, to: 71_940 },
  ]);
  expect(pageWindows(120, 120, 60, 500)).toEqual([{ from: 120, to: 120 }]);
});

test("pages are handed over in time order however they finish; at most `concurrency` are in flight", async () => {
  const windows = pageWindows(0, 60 * 9_999, 60, 500);
  const counted = countingSlowFetch();
  const windowsSeen = await collect(
    pagedRange({
      windows,
      fetch: counted.fetch,
      concurrency: 4,
      limit: new RequestLimit(100),
      attempts: 1,
      backoff: fast,
      signal: new AbortController().signal,
    }),
  );
  expect(windowsSeen).toEqual(windows);
  expect(counted.peak).toBe(4);
});

test("ranges sharing one limit never run more requests together than it allows", async () => {
  const limit = new RequestLimit(3);
  const ranges = [0, 1, 2].map((k) =>
    collect(
      pagedRange({
        windows: pageWindows(k * 1e7, k * 1e7 + 60 * 4_999, 60, 500),
        fetch: slowly,
        concurrency: 4,
        limit,
        attempts: 1,
        backoff: fast,
        signal: new AbortController().signal,
      }),
    ),
  );
  expect((await Promise.all(ranges)).map((w) => w.length)).toEqual([10, 10, 10]);
  expect(limit.peak).toBe(3);
});

test("a failed page is retried and nothing is lost; a 429 holds back every page of the range for its backOff", async () => {
  const windows = pageWindows(0, 60 * 2_999, 60, 500);
  const failures = new Map<number, number>([
    [30_000, 2],
    [60_000, 1],
  ]);
  const askedAt: number[] = [];
  let blockedUntil = 0;
  const windowsSeen = await collect(
    pagedRange({
      windows,
      fetch: async (w) => {
        askedAt.push(Date.now());
        if (Date.now() < blockedUntil) throw new Error("asked during the backOff");
        const left = failures.get(w.from) ?? 0;
        if (left > 0) {
          failures.set(w.from, left - 1);
          if (w.from === 60_000) {
            blockedUntil = Date.now() + 100;
            throw new NobitexError("RATE_LIMITED", "rate_limited", "HTTP 429", { backOffSeconds: 0.1 });
          }
          throw new NobitexError("UPSTREAM_UNAVAILABLE", "upstream_5xx", "HTTP 503");
        }
        return pageOf(w);
      },
      concurrency: 3,
      limit: new RequestLimit(10),
      attempts: 3,
      backoff: fast,
      signal: new AbortController().signal,
    }),
  );
  expect(windowsSeen).toEqual(windows);
  expect(askedAt).toHaveLength(windows.length + 3);
});

test("a 429 also holds back a page waiting for a request slot, and one already sleeping until an earlier backOff ends", async () => {
  // Two slots, three pages. Page 0 is answered 429 at once; page 30000, in flight meanwhile, is answered
  // 429 100 ms later, which moves the end of the backOff past the one page 0 is sleeping until; page
  // 60000 waits for a slot when the first 429 frees one.
  const windows = pageWindows(0, 60 * 1_499, 60, 500);
  const sent: number[] = [];
  const duringBackOff: number[] = [];
  let blockedUntil = 0;
  const limited = new Set<number>();
  const rateLimit = (from: number) => {
    limited.add(from);
    blockedUntil = Math.max(blockedUntil, Date.now() + 150);
    return new NobitexError("RATE_LIMITED", "rate_limited", "HTTP 429", { backOffSeconds: 0.15 });
  };
  await collect(
    pagedRange({
      windows,
      fetch: async (w) => {
        sent.push(w.from);
        if (Date.now() < blockedUntil) duringBackOff.push(w.from);
        // The answer comes back after a round trip: 5 ms, 100 ms for page 30000's first one.
        const first = !limited.has(w.from);
        await Bun.sleep(w.from === 30_000 && first ? 100 : 5);
        if (first && w.from !== 60_000) throw rateLimit(w.from);
        return pageOf(w);
      },
      concurrency: 3,
      limit: new RequestLimit(2),
      attempts: 3,
      backoff: { baseMs: 1, maxMs: 2, maxServerBackOffMs: 1000 },
      signal: new AbortController().signal,
    }),
  );
  expect(duringBackOff).toEqual([]);
  // Each page answered once, after the two 429s.
  expect(sent.toSorted((a, b) => a - b)).toEqual([0, 0, 30_000, 30_000, 60_000]);
});

test("a page failing every try ends the range with its error, after the pages before it", async () => {
  const windows = pageWindows(0, 60 * 2_999, 60, 500);
  const handed: PageWindow[] = [];
  const run = async () => {
    for await (const group of pagedRange({
      windows,
      fetch: async (w) => {
        if (w.from === 90_000) throw new NobitexError("UPSTREAM_UNAVAILABLE", "upstream_5xx", "HTTP 502");
        return slowly(w);
      },
      concurrency: 4,
      limit: new RequestLimit(10),
      attempts: 2,
      backoff: fast,
      signal: new AbortController().signal,
    }))
      handed.push(...group.map((g) => g.window));
  };
  await expect(run()).rejects.toThrow("HTTP 502");
  expect(handed).toEqual(windows.slice(0, 3));
});

test("while the caller works, answered pages gather up to `readAhead` and come as one group, `concurrency` still in flight at most", async () => {
  const windows = pageWindows(0, 60 * 9_999, 60, 500);
  const counted = countingSlowFetch();
  const groups: number[] = [];
  for await (const group of pagedRange({
    windows,
    fetch: counted.fetch,
    concurrency: 2,
    readAhead: 6,
    limit: new RequestLimit(100),
    attempts: 1,
    backoff: fast,
    signal: new AbortController().signal,
  })) {
    groups.push(group.length);
    await Bun.sleep(60); // a slow publish
  }
  expect(groups.reduce((a, b) => a + b, 0)).toBe(windows.length);
  expect(Math.max(...groups)).toBe(6);
  expect(counted.peak).toBe(2);
});
