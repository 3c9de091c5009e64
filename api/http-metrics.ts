/**
 * Prometheus request counts and latency histograms labelled by route pattern (`/api/candles`, not the
 * raw URL, so label cardinality stays bounded whatever clients send) and status.
 */
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { Counter, Histogram, type Registry } from "prom-client";

export function httpMetrics(registry: Registry) {
  const labelNames = ["method", "route", "status"] as const;
  const requests = new Counter({
    name: "shamdan_api_requests_total",
    help: "HTTP requests by route pattern and status",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "shamdan_api_request_duration_seconds",
    help: "HTTP request latency by route pattern and status",
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return createMiddleware(async (c, next) => {
    const started = performance.now();
    await next();
    // The handler's route is the last matched one that is not a middleware (method ALL).
    const handler = matchedRoutes(c).findLast((r) => r.method !== "ALL");
    const route = handler?.path ?? "unmatched";
    const labels = { method: c.req.method, route, status: String(c.res.status) };
    requests.inc(labels);
    duration.observe(labels, (performance.now() - started) / 1000);
  });
}
