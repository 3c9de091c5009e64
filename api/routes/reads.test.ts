import { beforeAll, describe, expect, test } from "bun:test";
import { at, first, last } from "@shamdan/shared/testing/at";
import { postJson, type TestApp, testApp } from "../testing/test-app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});

const get = async (path: string) => {
  const res = await t.app.request(path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("GET /api/candles", () => {
  test("1m returns the stored candles of [from, to)", async () => {
    const rows = t.rows.ETHBTC.slice(100, 160);
    const from = first(rows).openTime / 1000;
    const to = last(rows).openTime / 1000 + 60;
    const { status, body } = await get(`/api/candles?symbol=ETHBTC&from=${from}&to=${to}`);
    expect(status).toBe(200);
    const candles = body.candles as Record<string, unknown>[];
    expect(candles.length).toBe(60);
    const row = first(rows);
    expect(candles[0]).toEqual({
      time: new Date(row.openTime).toISOString(),
      open_time: row.openTime,
      open: row.open,
      high: row.high,
      low: row.low,
      close: row.close,
      volume: row.volume,
      SMA_5: row.sma,
      EMA_10: row.ema,
      RSI_10: row.rsi,
      signal: row.signal,
    });
    expect(body.next_from).toBeNull();
  });

  test("15m downsamples: first open, max high, min low, last close, summed volume", async () => {
    const all = t.rows.ETHBTC;
    const start = Math.ceil(at(all, 500).openTime / 900_000) * 900_000;
    const end = start + 4 * 900_000;
    const { body } = await get(
      `/api/candles?symbol=ETHBTC&interval=15m&from=${new Date(start).toISOString()}&to=${new Date(end).toISOString()}`,
    );
    const candles = body.candles as Record<string, number | null>[];
    expect(candles.length).toBe(4);
    for (const [i, bar] of candles.entries()) {
      const bucket = all.filter(
        (r) => r.openTime >= start + i * 900_000 && r.openTime < start + (i + 1) * 900_000,
      );
      expect(bar.open_time).toBe(start + i * 900_000);
      expect(bar.open).toBe(first(bucket).open);
      expect(bar.high).toBe(Math.max(...bucket.map((r) => r.high)));
      expect(bar.low).toBe(Math.min(...bucket.map((r) => r.low)));
      expect(bar.close).toBe(last(bucket).close);
      expect(bar.volume).toBeCloseTo(
        bucket.reduce((s, r) => s + r.volume, 0),
        9,
      );
      expect(bar.RSI_10).toBe(last(bucket).rsi);
    }
  });

  test("limit cuts the page and says where the next one starts", async () => {
    const from = first(t.rows.XRPETH).openTime;
    const { body } = await get(`/api/candles?symbol=XRPETH&from=${from / 1000}&limit=10`);
    expect((body.candles as unknown[]).length).toBe(10);
    expect(body.next_from).toBe(new Date(at(t.rows.XRPETH, 10).openTime).toISOString());
  });

  test("bad queries are 400 naming the field; unknown symbol 404", async () => {
    for (const [query, field] of [
      ["symbol=ETHBTC&interval=7m", "interval"],
      ["symbol=ETHBTC&from=yesterday", "from"],
      ["symbol=ETHBTC&from=2020-01-02&to=2020-01-01", "from"],
      ["symbol=ETHBTC&from=2000-01-01&to=2020-01-01", "to"],
      ["symbol=ETHBTC&limit=0", "limit"],
      ["symbol=ETHBTC&limit=1e3", "limit"],
      ["symbol=ETHBTC&foo=1", "foo"],
      ["symbol=ETHBTC&symbol=XRPETH", "symbol"],
      ["", "symbol"],
    ] as const) {
      const { status, body } = await get(`/api/candles?${query}`);
      expect(status).toBe(400);
      expect((body.issues as { field: string }[]).map((i) => i.field)).toContain(field);
    }
    expect((await get("/api/candles?symbol=NOPE")).status).toBe(404);
  });
});

describe("signals", () => {
  test("changes_only keeps exactly the rows whose signal changed", async () => {
    const rows = t.rows.ETHBTC.slice(0, 3000);
    const from = first(rows).openTime / 1000;
    const to = last(rows).openTime / 1000 + 1;
    const { body } = await get(
      `/api/signals?symbol=ETHBTC&from=${from}&to=${to}&changes_only=true&limit=10000`,
    );
    const expected = rows.filter((r) => r.signalChanged);
    const signals = body.signals as Record<string, unknown>[];
    expect(signals.length).toBe(expected.length);
    expect(signals.map((s) => s.open_time)).toEqual(expected.map((r) => r.openTime));
    const row = first(expected);
    expect(signals[0]).toEqual({
      symbol: "ETHBTC",
      time: new Date(row.openTime).toISOString(),
      open_time: row.openTime,
      close: row.close,
      signal: row.signal,
      signal_changed: true,
      SMA_5: row.sma,
      EMA_10: row.ema,
      RSI_10: row.rsi,
    });
  });

  test("without a symbol, every symbol's rows in time order", async () => {
    const from = first(t.rows.XRPETH).openTime;
    const { body } = await get(`/api/signals?from=${from / 1000}&limit=5`);
    const signals = body.signals as { symbol: string; open_time: number }[];
    expect(signals.map((s) => s.open_time)).toEqual(t.rows.XRPETH.slice(0, 5).map((r) => r.openTime));
    expect(body.next_from).toBe(new Date(at(t.rows.XRPETH, 4).openTime).toISOString());
  });

  test("latest: one per symbol with data, filterable", async () => {
    const { body } = await get("/api/signals/latest");
    const signals = body.signals as { symbol: string; open_time: number; signal: string }[];
    expect(signals.map((s) => s.symbol)).toEqual(["ETHBTC", "XRPETH"]);
    expect(first(signals).open_time).toBe(last(t.rows.ETHBTC).openTime);
    expect(first(signals).signal).toBe(last(t.rows.ETHBTC).signal);
    const only = await get("/api/signals/latest?symbol=xrpeth");
    expect((only.body.signals as unknown[]).length).toBe(1);
    expect((await get("/api/signals/latest?symbol=x'--")).status).toBe(400);
  });
});

test("GET /api/symbols lists configured and stored symbols", async () => {
  const { body } = await get("/api/symbols");
  expect(body.symbols).toEqual([
    {
      symbol: "BTCIRT",
      configured: true,
      last_candle_time: null,
      last_open_time: null,
      latest_signal: null,
      rows: 0,
    },
    {
      symbol: "ETHBTC",
      configured: true,
      last_candle_time: new Date(last(t.rows.ETHBTC).openTime).toISOString(),
      last_open_time: last(t.rows.ETHBTC).openTime,
      latest_signal: last(t.rows.ETHBTC).signal,
      rows: t.rows.ETHBTC.length,
    },
    {
      symbol: "XRPETH",
      configured: true,
      last_candle_time: new Date(last(t.rows.XRPETH).openTime).toISOString(),
      last_open_time: last(t.rows.XRPETH).openTime,
      latest_signal: last(t.rows.XRPETH).signal,
      rows: t.rows.XRPETH.length,
    },
  ]);
});

test("a stored symbol that is not configured is still known", async () => {
  const other = await testApp({ SYMBOLS: "BTCIRT" });
  const res = await postJson(other.app, "/api/summarize/", { stock_symbol: "ETHBTC", period: 5 });
  expect(res.status).toBe(200);
});

describe("unknown symbols", () => {
  test("every endpoint that takes a symbol answers 404 unknown_symbol naming it", async () => {
    const requests: [string, RequestInit?][] = [
      ["/api/candles?symbol=NOPE"],
      ["/api/signals?symbol=NOPE"],
      ["/api/signals/latest?symbol=NOPE"],
      ["/api/signals/latest?symbol=ETHBTC,NOPE"],
      ["/api/signals/stream?symbol=NOPE"],
      ["/api/signals/stream?symbol=XRPETH,NOPE"],
      ...(
        [
          ["/api/aggregate/", { stock_symbol: "NOPE", period: 60, field: "close", aggregation: "avg" }],
          ["/api/summarize/", { stock_symbol: "NOPE", period: 60 }],
        ] as const
      ).map(([path, body]): [string, RequestInit] => [
        path,
        { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
      ]),
    ];
    for (const [path, init] of requests) {
      const res = await t.app.request(path, init);
      const body = (await res.json()) as { error?: string; message?: string };
      expect({ path, status: res.status, error: body.error }).toEqual({
        path,
        status: 404,
        error: "unknown_symbol",
      });
      expect(body.message).toContain("NOPE");
    }
    // A known symbol still answers.
    expect((await get("/api/signals/latest?symbol=ETHBTC")).status).toBe(200);
  });
});
