import { describe, expect, test } from "bun:test";
import { NobitexClient, parseHistory, USER_AGENT } from "./nobitex-client.ts";
import { NobitexError } from "./nobitex-error.ts";

const ok = {
  s: "ok",
  t: [60, 120, 180],
  o: [1, 2, 3],
  h: [2, 3, 4],
  l: [0.5, 1.5, 2.5],
  c: [2, 3, 4],
  v: [1, 0, 2],
};
const body = (over: Record<string, unknown>) => JSON.stringify({ ...ok, ...over });

function errorOf(fn: () => unknown): NobitexError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(NobitexError);
    return error as NobitexError;
  }
  throw new Error("expected an error");
}

async function rejectionOf(promise: Promise<unknown>): Promise<NobitexError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NobitexError);
  return error as NobitexError;
}

describe("parseHistory", () => {
  test("ok: columns become candles with open time in ms", () => {
    const page = parseHistory(JSON.stringify(ok));
    expect(page.status).toBe("ok");
    expect(page.rejected).toEqual([]);
    expect(page.candles[0]).toEqual({ openTime: 60_000, open: 1, high: 2, low: 0.5, close: 2, volume: 1 });
    expect(page.candles).toHaveLength(3);
  });

  test("no_data has no candles; error carries errmsg", () => {
    expect(parseHistory('{"s":"no_data"}')).toEqual({ status: "no_data", candles: [], rejected: [] });
    const error = errorOf(() => parseHistory('{"s":"error","errmsg":"Invalid resolution!"}'));
    expect([error.code, error.message, error.canRetry]).toEqual([
      "UPSTREAM_ERROR",
      "Invalid resolution!",
      false,
    ]);
  });

  const malformed: [string, string][] = [
    ["not JSON", "<html>502</html>"],
    ["truncated JSON", JSON.stringify(ok).slice(0, 30)],
    ["empty body", ""],
    ["JSON null", "null"],
    ["an array", "[1,2]"],
    ["unknown s", body({ s: "weird" })],
    ["missing s", JSON.stringify({ t: [] })],
    ["missing column", JSON.stringify({ s: "ok", t: [60], o: [1], h: [1], l: [1], c: [1] })],
    ["unequal arrays", body({ c: [2, 3] })],
    ["string value", body({ o: ["1", 2, 3] })],
    ["null value", body({ v: [1, null, 2] })],
    ["column not an array", body({ h: 5 })],
    ["fractional t", body({ t: [60, 120.5, 180] })],
    ["negative t", body({ t: [-60, 120, 180] })],
    ["decreasing t", body({ t: [60, 180, 120] })],
    ["duplicate t", body({ t: [60, 120, 120] })],
  ];
  for (const [name, text] of malformed) {
    test(`malformed page (${name}) is a retryable UPSTREAM_MALFORMED error`, () => {
      const error = errorOf(() => parseHistory(text));
      expect([error.code, error.fault, error.canRetry]).toEqual(["UPSTREAM_MALFORMED", "malformed", true]);
    });
  }

  test("invalid candles are dropped with their reason, the rest of the page is kept", () => {
    const text = JSON.stringify({
      s: "ok",
      t: [60, 120, 180, 240, 300, 360, 420],
      o: [1, 1, 1, 1, 1, 1, -1],
      h: [2, 0.5, 2, 2, 2, 0.9, 2],
      l: [0.5, 1, 0.5, 0.5, 0.5, 0.5, -2],
      c: [1, 1, 1, 1, 1, 1, 1],
      v: [1, 1, -0.1, 1, 1, 1, 1],
    }).replace('"o":[1,1,1,1', '"o":[1,1,1,1e999');
    const page = parseHistory(text);
    expect(page.candles.map((c) => c.openTime)).toEqual([60_000, 300_000]);
    expect(page.rejected.map((r) => [r.openTime, r.reason])).toEqual([
      [120_000, "ohlc_inconsistent"],
      [180_000, "negative_volume"],
      [240_000, "non_finite"],
      [360_000, "ohlc_inconsistent"],
      [420_000, "negative_price"],
    ]);
  });
});

describe("NobitexClient.fetchHistory", () => {
  const clientAnswering = (status: number, text: string, seen: Request[] = []) =>
    new NobitexClient({
      baseUrl: "http://127.0.0.1:1/",
      fetch: async (input, init) => {
        seen.push(new Request(input, init));
        return new Response(text, { status });
      },
    });

  test("sends the query and a User-Agent naming the project", async () => {
    const seen: Request[] = [];
    await clientAnswering(200, JSON.stringify(ok), seen).fetchHistory({
      symbol: "BTCIRT",
      resolution: "1",
      from: 60,
      to: 180.7,
      countback: 3,
      page: 2,
    });
    const url = new URL(seen[0]?.url ?? "");
    expect(url.pathname).toBe("/market/udf/history");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      symbol: "BTCIRT",
      resolution: "1",
      from: "60",
      to: "180",
      countback: "3",
      page: "2",
    });
    expect(seen[0]?.headers.get("user-agent")).toBe(USER_AGENT);
  });

  test("429 honours the body's backOff", async () => {
    const body429 = '{"status":"failed","code":"TooManyRequests","message":"x","backOff":12,"limit":60}';
    const error = await rejectionOf(
      clientAnswering(429, body429).fetchHistory({ symbol: "A1", resolution: "1", to: 1 }),
    );
    expect([error.code, error.fault, error.backOffSeconds, error.canRetry]).toEqual([
      "RATE_LIMITED",
      "rate_limited",
      12,
      true,
    ]);
    const bare = await rejectionOf(
      clientAnswering(429, "slow down").fetchHistory({ symbol: "A1", resolution: "1", to: 1 }),
    );
    expect([bare.code, bare.backOffSeconds]).toEqual(["RATE_LIMITED", undefined]);
  });

  test("5xx is UPSTREAM_UNAVAILABLE and retryable; other 4xx are rejected", async () => {
    const e503 = await rejectionOf(
      clientAnswering(503, "<html/>").fetchHistory({ symbol: "A1", resolution: "1", to: 1 }),
    );
    expect([e503.code, e503.fault, e503.status, e503.canRetry]).toEqual([
      "UPSTREAM_UNAVAILABLE",
      "upstream_5xx",
      503,
      true,
    ]);
    const e400 = await rejectionOf(
      clientAnswering(400, "bad").fetchHistory({ symbol: "A1", resolution: "1", to: 1 }),
    );
    expect([e400.code, e400.canRetry]).toEqual(["UPSTREAM_REJECTED", false]);
  });

  test("a timeout and a network error are UPSTREAM_UNAVAILABLE with their own fault kind", async () => {
    const hanging = new NobitexClient({
      baseUrl: "http://127.0.0.1:1",
      timeoutMs: 20,
      fetch: (_input, init) =>
        new Promise((_resolve, reject) =>
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
        ),
    });
    const timeout = await rejectionOf(hanging.fetchHistory({ symbol: "A1", resolution: "1", to: 1 }));
    expect([timeout.code, timeout.fault, timeout.canRetry]).toEqual([
      "UPSTREAM_UNAVAILABLE",
      "timeout",
      true,
    ]);
    const refused = new NobitexClient({ baseUrl: "http://127.0.0.1:1" });
    const network = await rejectionOf(refused.fetchHistory({ symbol: "A1", resolution: "1", to: 1 }));
    expect([network.code, network.fault]).toEqual(["UPSTREAM_UNAVAILABLE", "network"]);
  });
});

describe("NobitexClient.fetchRange", () => {
  test("walks windows of 500 periods and keeps only candles inside each window", async () => {
    const windows: [number, number][] = [];
    const client = new NobitexClient({
      baseUrl: "http://127.0.0.1:1",
      fetch: async (input) => {
        const q = new URL(input).searchParams;
        const [from, to] = [Number(q.get("from")), Number(q.get("to"))];
        windows.push([from, to]);
        // Misbehaving server: one candle before the window, one after, as countback bugs do.
        const t: number[] = [];
        for (let x = from - 60; x <= to + 60; x += 60) t.push(x);
        const ones = t.map(() => 1);
        return Response.json({ s: "ok", t, o: ones, h: ones, l: ones, c: ones, v: ones });
      },
    });
    const page = await client.fetchRange({ symbol: "A1", resolution: "1", from: 60, to: 60 * 1200 });
    expect(windows).toEqual([
      [60, 60 * 500 + 59],
      [60 * 501, 60 * 1000 + 59],
      [60 * 1001, 60 * 1200],
    ]);
    expect(page.candles).toHaveLength(1200);
    expect(page.candles[0]?.openTime).toBe(60_000);
    expect(page.candles.at(-1)?.openTime).toBe(1200 * 60_000);
  });
});
