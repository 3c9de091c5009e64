import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { at } from "@shamdan/shared/testing/at";
import { type FakeNobitex, type FakeNobitexOptions, forming, startFakeNobitex } from "./fake-nobitex.ts";
import { NobitexClient, parseHistory } from "./nobitex-client.ts";

const DATA = join(import.meta.dir, "..", "data", "candles");
const XRP_START = 1570752000; // first open time of XRPETH.udf.json (no gaps, minute candles)
let fake: FakeNobitex | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function start(options: Partial<FakeNobitexOptions> = {}) {
  fake = await startFakeNobitex({ dataDir: DATA, symbols: ["XRPETH"], limit: 1200, ...options });
  return fake;
}

async function get(f: FakeNobitex, query: Record<string, string | number>) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) params.set(k, String(v));
  const response = await fetch(`${f.url}/market/udf/history?${params}`);
  const text = await response.text();
  let body: Record<string, unknown> = { text };
  try {
    body = JSON.parse(text);
  } catch {
    // 5xx answers are HTML, as from a real gateway.
  }
  return { status: response.status, body };
}

describe("history mode", () => {
  test("from/to select inclusively; at most 500, the latest; page goes further back", async () => {
    const f = await start();
    const small = await get(f, {
      symbol: "XRPETH",
      resolution: "1",
      from: XRP_START + 60,
      to: XRP_START + 180,
    });
    expect(small.body.t).toEqual([XRP_START + 60, XRP_START + 120, XRP_START + 180]);
    const all = { symbol: "XRPETH", resolution: "1", from: XRP_START, to: XRP_START + 1199 * 60 };
    const page1 = (await get(f, all)).body.t as number[];
    const page2 = (await get(f, { ...all, page: 2 })).body.t as number[];
    const page3 = (await get(f, { ...all, page: 3 })).body.t as number[];
    expect([page1.length, page2.length, page3.length]).toEqual([500, 500, 200]);
    expect(page1.at(-1)).toBe(XRP_START + 1199 * 60);
    expect(page2.at(-1)).toBe((page1[0] as number) - 60);
    expect(page3[0]).toBe(XRP_START);
    expect((await get(f, { ...all, page: 4 })).body).toEqual({ s: "no_data" });
  });

  test("countback has priority over from; no_data outside the recording", async () => {
    const f = await start();
    const body = (
      await get(f, { symbol: "XRPETH", resolution: "1", from: 0, to: XRP_START + 600, countback: 2 })
    ).body;
    expect(body.t).toEqual([XRP_START + 540, XRP_START + 600]);
    expect((await get(f, { symbol: "XRPETH", resolution: "1", to: XRP_START - 60 })).body).toEqual({
      s: "no_data",
    });
  });

  test("errors: bad resolution, unknown symbol, missing to", async () => {
    const f = await start();
    expect((await get(f, { symbol: "XRPETH", resolution: "5", to: XRP_START })).body).toEqual({
      s: "error",
      errmsg: "Invalid resolution!",
    });
    expect((await get(f, { symbol: "NOPE", resolution: "1", to: XRP_START })).body.s).toBe("error");
    expect((await get(f, { symbol: "XRPETH", resolution: "1" })).body.s).toBe("error");
    expect(f.stats.errors).toBe(3);
  });

  test("served values are exactly the recording's; aliases serve a recording under another symbol", async () => {
    const f = await start({ map: { BTCIRT: "XRPETH" } });
    const client = new NobitexClient({ baseUrl: f.url });
    const range = { resolution: "1", from: XRP_START, to: XRP_START + 1199 * 60 };
    const own = await client.fetchRange({ symbol: "XRPETH", ...range });
    const alias = await client.fetchRange({ symbol: "BTCIRT", ...range });
    expect(own.candles).toEqual(f.expected("XRPETH"));
    expect(alias.candles).toEqual(own.candles);
  });

  test("retime: the recording ends at the current minute", async () => {
    const f = await start({ retime: true, limit: 10 });
    const now = Math.floor(Date.now() / 60_000) * 60;
    const t = (await get(f, { symbol: "XRPETH", resolution: "1", to: now + 3600 })).body.t as number[];
    expect(t.at(-1)).toBe(now - 60);
    expect(t).toHaveLength(10);
  });
});

describe("live mode", () => {
  test("a clock reveals candles; the last one forms and ends with the recorded values", async () => {
    const f = await start({ live: true, history: 100, speed: 0, formingSteps: 4 });
    const expected = f.expected("XRPETH");
    const read = async () => {
      const to = Math.floor(f.clock.now() / 1000);
      const { body } = await get(f, { symbol: "XRPETH", resolution: "1", to, countback: 3 });
      return parseHistory(JSON.stringify(body)).candles;
    };
    let page = await read();
    expect(page.map((c) => c.openTime)).toEqual([98, 99, 100].map((i) => at(expected, i).openTime));
    expect(page.slice(0, 2)).toEqual(expected.slice(98, 100));
    expect(page[2]).toEqual(forming(expected[100] as never, expected[100]?.openTime as number, 0));
    f.clock.advance(30_000);
    page = await read();
    expect(page[2]).toEqual(forming(expected[100] as never, expected[100]?.openTime as number, 0.5));
    f.clock.advance(30_000);
    page = await read();
    expect(page[1]).toEqual(expected[100]);
    expect(f.endTime).toBe((expected.at(-1)?.openTime as number) + 60_000);
  });

  test("forming candles are always valid and grow to the final values", () => {
    const c = { openTime: 0, open: 10, high: 15, low: 8, close: 12, volume: 4 };
    for (const f of [0, 0.25, 0.5, 0.75]) {
      const x = forming(c, 0, f);
      expect(x.low <= Math.min(x.open, x.close) && Math.max(x.open, x.close) <= x.high).toBe(true);
      expect(x.high <= c.high && x.low >= c.low && x.volume <= c.volume).toBe(true);
    }
    expect(forming(c, 0, 1)).toEqual(c);
  });
});

describe("faults", () => {
  const q = { symbol: "XRPETH", resolution: "1", to: XRP_START + 600 };

  test("each fault is injected and counted, in stats and on /stats", async () => {
    const f429 = await start({ faults: { rate429: 1, backOffSeconds: 7 } });
    const r = await get(f429, q);
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ status: "failed", code: "TooManyRequests", backOff: 7 });
    await get(f429, q); // inside the backOff: a violation, answered 429 again
    const stats = (await (await fetch(`${f429.url}/stats`)).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ requests: 2, backoffViolations: 1, faults: { rate429: 1 } });
    await f429.stop();

    const f5 = await start({ faults: { rate5xx: 1 } });
    expect((await get(f5, q)).status).toBeGreaterThanOrEqual(500);
    expect(f5.stats.faults.upstream5xx).toBe(1);
    await f5.stop();

    const bad = await start({ faults: { malformedRate: 1 } });
    const client = new NobitexClient({ baseUrl: bad.url });
    for (let i = 0; i < 8; i++) {
      const error = await client.fetchHistory(q).catch((e: { code: string }) => e);
      expect((error as { code: string }).code).toBe("UPSTREAM_MALFORMED");
    }
    expect(bad.stats.faults.malformed).toBe(8);
    await bad.stop();

    const invalid = await start({ faults: { invalidCandleRate: 1 } });
    const page = await new NobitexClient({ baseUrl: invalid.url }).fetchHistory(q);
    expect([page.candles.length, page.rejected.length]).toEqual([10, 1]);
    await invalid.stop();

    fake = await start({ faults: { slowRate: 1, slowMs: 300 } });
    const timeout = await new NobitexClient({ baseUrl: fake.url, timeoutMs: 50 })
      .fetchHistory(q)
      .catch((e) => e);
    expect(timeout.fault).toBe("timeout");
    expect(fake.stats.faults.slow).toBe(1);
  });

  test("the fault schedule is deterministic for a seed", async () => {
    const schedule = async (seed: number) => {
      const f = await start({ seed, faults: { rate5xx: 0.5 } });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await get(f, q)).status);
      await f.stop();
      fake = undefined;
      return statuses.map((s) => (s === 200 ? 0 : 1)).join("");
    };
    const a = await schedule(42);
    expect(await schedule(42)).toBe(a);
    expect(a).toContain("0");
    expect(a).toContain("1");
  });
});

describe("loop mode (the embedded demo)", () => {
  const candlesOf = (body: Record<string, unknown>) => {
    const t = body.t as number[];
    return t.map((time, i) => ({ time, close: (body.c as number[])[i] }));
  };

  test("what a minute serves depends on the minute alone: a second server serves the same", async () => {
    const now = Math.floor(Date.now() / 1000);
    const query = { symbol: "XRPETH", resolution: "1", from: now - 3600, to: now - 120 };
    const a = await get(await start({ loop: true }), query);
    await fake?.stop();
    const b = await get(await start({ loop: true }), query);
    expect(a.body.s).toBe("ok");
    expect(b.body).toEqual(a.body);
    await fake?.stop();
    // Each recording repeats on a fixed grid: served time modulo its length is the recorded minute.
    const length = 1200 * 60; // limit: 1200 gap-free minute candles
    const served = candlesOf(a.body);
    const from = XRP_START + (at(served, 0).time % length);
    const recorded = await get(await start(), { symbol: "XRPETH", resolution: "1", from, to: from + 3600 });
    const byTime = new Map(candlesOf(recorded.body).map((c) => [c.time, c.close]));
    expect(served).toHaveLength(58);
    expect(served.map((c) => ({ time: c.time, close: byTime.get(XRP_START + (c.time % length)) }))).toEqual(
      served,
    );
  });

  test("the wall clock's minute is the forming candle; the minutes before it are all there", async () => {
    const f = await start({ loop: true });
    const now = Math.floor(Date.now() / 1000);
    const { body } = await get(f, { symbol: "XRPETH", resolution: "1", countback: 500, to: now });
    const times = candlesOf(body).map((c) => c.time);
    expect(times).toHaveLength(500);
    expect(times.at(-1)).toBe(now - (now % 60));
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBe(60);
  });

  test("across a cycle's end the recording starts again, with no hole", async () => {
    const f = await start({ loop: true });
    const length = 1200 * 60;
    const seam = Math.floor(Date.now() / 1000 / length) * length;
    const { body } = await get(f, { symbol: "XRPETH", resolution: "1", from: seam - 300, to: seam + 240 });
    const candles = candlesOf(body);
    expect(candles.map((c) => c.time)).toEqual(Array.from({ length: 10 }, (_, i) => seam - 300 + i * 60));
    await fake?.stop();
    const first = await get(await start(), {
      symbol: "XRPETH",
      resolution: "1",
      from: XRP_START,
      to: XRP_START,
    });
    expect(at(candles, 5).close).toBe(at(candlesOf(first.body), 0).close);
  });
});

describe("synthetic mode (a generated history)", () => {
  const startSynthetic = (count: number) =>
    startFakeNobitex({ dataDir: DATA, synthetic: { symbols: ["AAAIRT", "BBBIRT"], count, seed: 7 } });

  test("the UDF rules hold: 500 per answer, page steps back, countback before from, no_data before it", async () => {
    const f = await startSynthetic(1200);
    fake = f;
    const expected = f.expected("AAAIRT");
    const times = expected.map((c) => c.openTime / 1000);
    expect(expected).toHaveLength(1200);
    expect(f.endTime).toBe((expected.at(-1)?.openTime ?? 0) + 60_000);
    const first = times[0] as number;
    const last = times.at(-1) as number;
    const all = { symbol: "AAAIRT", resolution: "1", from: first - 3600, to: last + 3600 };
    const pages = await Promise.all([1, 2, 3, 4].map(async (page) => (await get(f, { ...all, page })).body));
    expect(pages.map((p) => (p.t as number[] | undefined)?.length)).toEqual([500, 500, 200, undefined]);
    expect(pages[3]).toEqual({ s: "no_data" });
    expect([pages[2], pages[1], pages[0]].flatMap((p) => p?.t as number[])).toEqual(times);
    const client = new NobitexClient({ baseUrl: f.url });
    const range = await client.fetchRange({ symbol: "AAAIRT", resolution: "1", from: first, to: last });
    expect(range.candles).toEqual(expected);
    const counted = await get(f, { symbol: "AAAIRT", resolution: "1", from: first, to: last, countback: 3 });
    expect(counted.body.t).toEqual(times.slice(-3));
    expect((await get(f, { symbol: "AAAIRT", resolution: "1", to: first - 60 })).body).toEqual({
      s: "no_data",
    });
    expect((await get(f, { symbol: "AAAIRT", resolution: "5", to: last })).body.errmsg).toBe(
      "Invalid resolution!",
    );
  });

  test("seeded: the same seed serves the same candles, each symbol its own series of valid candles", async () => {
    const a = await startSynthetic(300);
    const first = a.expected("AAAIRT");
    const other = a.expected("BBBIRT");
    await a.stop();
    const b = await startSynthetic(300);
    fake = b;
    expect(b.expected("AAAIRT").map((c) => c.close)).toEqual(first.map((c) => c.close));
    expect(other.map((c) => c.close)).not.toEqual(first.map((c) => c.close));
    const body = (await get(b, { symbol: "BBBIRT", resolution: "1", to: b.endTime / 1000 })).body;
    expect(parseHistory(JSON.stringify(body)).rejected).toEqual([]);
  });
});
