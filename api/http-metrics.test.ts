import { expect, test } from "bun:test";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { Registry } from "prom-client";
import { httpMetrics } from "./http-metrics.ts";

// Why the middleware is hand-written (docs/architecture.md): a request refused by a middleware still
// counts under the route it asked for, not under the middleware's pattern.
test("a request refused by auth counts under its route; an unknown URL under `unmatched`", async () => {
  const registry = new Registry();
  const app = new Hono();
  app.use(httpMetrics(registry));
  app.use("/api/*", bearerAuth({ token: "secret" }));
  app.get("/api/candles", (c) => c.json([]));
  app.get("/api/symbols/:symbol", (c) => c.json({}));
  const auth = { headers: { Authorization: "Bearer secret" } };
  expect((await app.request("/api/candles")).status).toBe(401);
  expect((await app.request("/api/candles", auth)).status).toBe(200);
  expect((await app.request("/api/symbols/BTCIRT", auth)).status).toBe(200);
  expect((await app.request("/api/nothing", auth)).status).toBe(404);
  const text = await registry.metrics();
  expect(text).toContain('shamdan_api_requests_total{method="GET",route="/api/candles",status="401"} 1');
  expect(text).toContain('shamdan_api_requests_total{method="GET",route="/api/candles",status="200"} 1');
  expect(text).toContain(
    'shamdan_api_requests_total{method="GET",route="/api/symbols/:symbol",status="200"} 1',
  );
  expect(text).toContain('shamdan_api_requests_total{method="GET",route="unmatched",status="404"} 1');
  expect(text).not.toContain('route="/api/*"');
});
