/**
 * The HTTP API as a Hono app, without a listener: tests call `app.request()`, the CLI serves it with
 * Bun.serve. Reads go through the StoreReader port only.
 *
 * Order matters: request id and metrics first (they see every response, errors included), then CORS,
 * body limit and the bearer token (health, readiness, metrics and docs stay open), then the routes.
 */
import type { Config } from "@shamdan/shared/core/config";
import type { Logger } from "@shamdan/shared/core/log";
import type { StoreReader } from "@shamdan/shared/core/store";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { Gauge, Registry } from "prom-client";
import { createApiContext } from "./api-context.ts";
import { ApiError, errorHandler } from "./api-error.ts";
import { docsPage } from "./docs-page.ts";
import { httpMetrics } from "./http-metrics.ts";
import type { LiveFeed } from "./live-feed.ts";
import { openApiDocument, type RouteDoc } from "./openapi.ts";
import { aggregationRoutes } from "./routes/aggregation.ts";
import { candleRoutes } from "./routes/candles.ts";
import { healthRoutes, type ReadinessComponents } from "./routes/health.ts";
import { pageRoutes } from "./routes/page.ts";
import { scorecardRoutes } from "./routes/scorecard.ts";
import { signalRoutes } from "./routes/signals.ts";
import { type StreamOptions, streamRoutes } from "./routes/stream.ts";
import { symbolRoutes } from "./routes/symbols.ts";
import { StreamSlots } from "./stream-slots.ts";

/** Requests are small JSON objects; 64 KiB leaves room for API_MAX_SYMBOLS symbols and then some. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface AppOptions {
  store: StoreReader;
  config: Config;
  logger: Logger;
  liveFeed?: LiveFeed;
  /** Defaults to a fresh registry; pass one to add process metrics or share it. */
  registry?: Registry;
  /** Stream timing and replay page size; `maxStreams` overrides API_MAX_STREAMS. */
  stream?: Partial<StreamOptions & { maxStreams: number }>;
  /** How long an identical read is answered from memory (default 1000 ms; 0 turns it off). */
  cacheTtlMs?: number;
  /** Other parts of the process `/readyz` also answers for (embedded mode: ingest). */
  components?: ReadinessComponents;
}

// Long on purpose: every route and middleware wired in the order a request meets them; each lives in its own module.
export function createApp(options: AppOptions) {
  const { config, logger } = options;
  const api = createApiContext(options.store, config, logger, options.cacheTtlMs);
  const registry = options.registry ?? new Registry();
  const slots = new StreamSlots(options.stream?.maxStreams ?? config.API_MAX_STREAMS);
  new Gauge({
    name: "shamdan_api_streams_open",
    help: "Open /api/signals/stream connections (at most API_MAX_STREAMS)",
    registers: [registry],
    collect() {
      this.set(slots.open);
    },
  });
  new Gauge({
    name: "shamdan_api_cache_bytes",
    help: "Estimated bytes held by the answer cache (at most API_CACHE_MAX_BYTES)",
    registers: [registry],
    collect() {
      this.set(api.cacheBytes());
    },
  });
  const app = new Hono();

  app.use(requestId());
  app.use(httpMetrics(registry));
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    logger.debug("request", {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });
  if (config.CORS_ORIGINS.length > 0) {
    const origins = config.CORS_ORIGINS;
    app.use(cors({ origin: origins.includes("*") ? "*" : origins, exposeHeaders: ["X-Request-Id"] }));
  }
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, "payload_too_large", `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );
  if (config.API_TOKEN) app.use("/api/*", bearerAuth({ token: config.API_TOKEN }));

  const health = healthRoutes(api, registry, options.components);
  const modules = [
    aggregationRoutes(api),
    symbolRoutes(api),
    candleRoutes(api),
    // The stream before the other signal routes: `/signals/stream` must not be taken for a parameter.
    streamRoutes(
      api,
      options.liveFeed,
      {
        heartbeatMs: options.stream?.heartbeatMs ?? 15_000,
        pollMs: options.stream?.pollMs ?? 1000,
        pageRows: options.stream?.pageRows ?? 500,
      },
      slots,
    ),
    signalRoutes(api),
    scorecardRoutes(api),
  ];
  const page = pageRoutes(api);
  app.route("/", health.app);
  app.route("/", page.app);
  for (const module of modules) app.route("/api", module.app);

  const docs: RouteDoc[] = [
    ...modules.flatMap((m) => m.docs),
    ...health.docs,
    ...page.docs,
    { method: "get", path: "/openapi.json", summary: "This API's OpenAPI document", public: true },
    {
      method: "get",
      path: "/docs",
      summary: "Human-readable API reference",
      responseType: "text/html",
      public: true,
    },
  ];
  const spec = openApiDocument(docs, api.schemas.Error, {
    title: "Shamdan API",
    version: "1.0.0",
    auth: config.API_TOKEN !== undefined,
  });
  const html = docsPage(spec);
  app.get("/openapi.json", (c) => c.json(spec));
  app.get("/docs", (c) => c.html(html));

  app.notFound((c) =>
    c.json({ error: "not_found", message: `no route for ${c.req.method} ${c.req.path}` }, 404),
  );
  app.onError(errorHandler(logger));
  // serve.ts ends the open streams first when the server stops.
  return Object.assign(app, { closeStreams: () => slots.close() });
}

export type App = ReturnType<typeof createApp>;
