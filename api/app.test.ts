import { beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "@shamdan/shared/core/config";
import { ShamdanError } from "@shamdan/shared/core/errors";
import { silentLogger } from "@shamdan/shared/core/log";
import type { StoreReader } from "@shamdan/shared/core/store";
import { createApp } from "./app.ts";
import { postJson, type TestApp, testApp } from "./testing/test-app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});

describe("operations endpoints", () => {
  test("healthz, readyz and a JSON 404", async () => {
    expect(await (await t.app.request("/healthz")).json()).toEqual({ status: "ok" });
    expect(await (await t.app.request("/readyz")).json()).toEqual({ status: "ready" });
    const missing = await t.app.request("/api/nothing");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "not_found" });
    const wrongMethod = await t.app.request("/api/aggregate/");
    expect(wrongMethod.status).toBe(404);
  });

  test("metrics count requests by route pattern and status", async () => {
    await t.app.request("/api/candles?symbol=ETHBTC&limit=1");
    await t.app.request("/api/candles?symbol=NOPE");
    await t.app.request("/no/such/path");
    const text = await (await t.app.request("/metrics")).text();
    expect(text).toContain('shamdan_api_requests_total{method="GET",route="/api/candles",status="200"}');
    expect(text).toContain('shamdan_api_requests_total{method="GET",route="/api/candles",status="404"}');
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).toContain("shamdan_api_request_duration_seconds_bucket");
  });

  test("every response carries a request id", async () => {
    const res = await t.app.request("/healthz");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });
});

describe("OpenAPI and docs", () => {
  test("the spec lists every route with schemas generated from the validators", async () => {
    const spec = (await (await t.app.request("/openapi.json")).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: {
              content: Record<
                string,
                { schema: { properties: Record<string, { enum?: string[] }>; required: string[] } }
              >;
            };
            parameters?: { name: string }[];
          }
        >
      >;
    };
    expect(spec.openapi).toBe("3.0.3");
    expect(Object.keys(spec.paths).sort()).toEqual(
      [
        "/api/aggregate/",
        "/api/summarize/",
        "/api/summarize/multiple/",
        "/api/symbols",
        "/api/candles",
        "/api/signals/stream",
        "/api/signals",
        "/api/signals/latest",
        "/api/scorecard",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/",
      ].sort(),
    );
    const aggregate = spec.paths["/api/aggregate/"]?.post?.requestBody?.content["application/json"]?.schema;
    expect(aggregate?.properties.field?.enum).toContain("RSI_10");
    expect(aggregate?.properties.aggregation?.enum).toEqual(["avg", "highest", "lowest"]);
    expect(aggregate?.required.sort()).toEqual(["aggregation", "field", "period", "stock_symbol"]);
    const params = spec.paths["/api/candles"]?.get?.parameters?.map((p) => p.name);
    expect(params).toEqual(["symbol", "from", "to", "interval", "limit"]);
  });

  test("the docs page is self-contained HTML", async () => {
    const res = await t.app.request("/docs");
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("/api/summarize/multiple/");
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
});

describe("auth and CORS", () => {
  test("with API_TOKEN, /api needs the bearer token; health, metrics and docs stay open", async () => {
    const secured = await testApp({ API_TOKEN: "s3cret", CORS_ORIGINS: "https://dash.example" });
    const body = { stock_symbol: "ETHBTC", period: 5 };
    const denied = await postJson(secured.app, "/api/summarize/", body);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ error: "unauthorized" });
    expect(
      (await postJson(secured.app, "/api/summarize/", body, { authorization: "Bearer wrong" })).status,
    ).toBe(401);
    expect(
      (await postJson(secured.app, "/api/summarize/", body, { authorization: "Bearer s3cret" })).status,
    ).toBe(200);
    for (const path of ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"])
      expect((await secured.app.request(path)).status).toBe(200);
    const preflight = await secured.app.request("/api/summarize/", {
      method: "OPTIONS",
      headers: { origin: "https://dash.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://dash.example");
  });
});

describe("store outages", () => {
  const config = loadConfig({}, { SYMBOLS: "BTCIRT", API_QUERY_TIMEOUT_MS: "50" });
  const down = new ShamdanError("STORE_UNAVAILABLE", "QuestDB unreachable: ECONNREFUSED");
  const failing = (error: unknown): StoreReader => {
    const fail = () => Promise.reject(error);
    return {
      ping: fail,
      aggregate: fail,
      summarize: fail,
      bars: fail,
      rows: fail,
      signals: fail,
      latestSignals: fail,
      scorecard: fail,
      symbols: fail,
      close: async () => {},
    };
  };

  test("an unreachable store is a 503 with a clear body; health stays 200", async () => {
    const app = createApp({ store: failing(down), config, logger: silentLogger });
    const res = await postJson(app, "/api/summarize/", { stock_symbol: "BTCIRT", period: 5 });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await res.json()).toEqual({
      error: "store_unavailable",
      message: "the data store is unreachable; retry later",
    });
    for (const path of ["/api/symbols", "/api/candles?symbol=BTCIRT", "/api/signals/latest", "/api/signals"])
      expect((await app.request(path)).status).toBe(503);
    expect((await app.request("/healthz")).status).toBe(200);
    const ready = await app.request("/readyz");
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: "unavailable", error: "store_unavailable" });
  });

  test("a raw driver error and a hung query are 503s too, not 500s", async () => {
    const raw = createApp({ store: failing(new Error("socket hang up")), config, logger: silentLogger });
    const res = await postJson(raw, "/api/summarize/", { stock_symbol: "BTCIRT", period: 5 });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: "store_error" });
    const never: StoreReader = { ...failing(down), summarize: () => new Promise(() => {}) };
    const slow = createApp({ store: never, config, logger: silentLogger });
    const timedOut = await postJson(slow, "/api/summarize/", { stock_symbol: "BTCIRT", period: 5 });
    expect(timedOut.status).toBe(503);
    expect(await timedOut.json()).toMatchObject({ error: "query_timeout" });
  });
});
