/**
 * `bun run shamdan api`: the HTTP API (api/README.md) on API_PORT. It serves at once, also while the
 * store or Kafka are not there yet: requests that need the store get 503 and /readyz says so until it
 * answers (the table is created in the background, retried with backoff; postgres.js reconnects by
 * itself). With BUS=kafka the SSE stream follows a Kafka live feed, started in the background: it
 * waits for Kafka as long as it takes (kafka-bus.ts) and streams carry live rows once it consumes.
 * Shuts down gracefully on SIGTERM/SIGINT.
 */

import { createApp } from "@shamdan/api/app";
import { BusLiveFeed } from "@shamdan/api/kafka-live-feed";
import { serveApi } from "@shamdan/api/serve";
import { StoreMirror } from "@shamdan/api/store-mirror";
import { retryWithBackoff } from "@shamdan/shared/core/backoff";
import { loadConfig } from "@shamdan/shared/core/config";
import { describeError } from "@shamdan/shared/core/errors";
import { type Command, parseOptions, UsageError } from "../command.ts";
import { runService } from "../service-bootstrap.ts";

const help = `Usage: bun run shamdan api [--port N] [--host ADDRESS] [--no-live]

Serves the HTTP API (Hono) on API_PORT (default 3000): the original system's POST /api/aggregate/,
/api/summarize/, /api/summarize/multiple/; GET /api/symbols, /api/candles, /api/signals,
/api/signals/latest, /api/signals/stream (SSE); /openapi.json, /docs, /healthz, /readyz, /metrics.
Reads from STORE (questdb or sqlite). With BUS=kafka the stream follows OUTPUT_TOPIC live (the feed
waits for Kafka in the background if it is not there yet); otherwise (or with --no-live) it polls the
store every second. Serves at once; /readyz is 503 until the store answers. API_TOKEN enables bearer auth on /api/*,
CORS_ORIGINS enables CORS. Stops on SIGTERM or SIGINT.

Options:
  --port N        listen port (overrides API_PORT)
  --host ADDRESS  listen address (default 0.0.0.0)
  --no-live       do not consume OUTPUT_TOPIC; the stream polls the store`;

export const apiCommand: Command = {
  name: "api",
  summary: "Serve the HTTP API (Hono)",
  help,
  service: true,
  async run(argv) {
    const { values } = parseOptions(argv, {
      port: { type: "string" },
      host: { type: "string", default: "0.0.0.0" },
      "no-live": { type: "boolean", default: false },
    });
    const config = loadConfig();
    const port = values.port === undefined ? config.API_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new UsageError(`bad --port ${values.port}`);
    return runService({
      name: "api",
      config,
      start: ({ logger, registry, abortSignal, bus, store: storeOf }) => {
        const store = storeOf();
        const stopping = () => abortSignal.aborted;
        // Reads need the table; creating it is idempotent (the sink creates it too). Until the store
        // answers, requests get 503 and /readyz says so; the server does not wait for it.
        const storeReady = retryWithBackoff(() => store.init(), {
          baseMs: 500,
          maxMs: 10_000,
          shouldContinue: () => !stopping(),
          onRetry: (error, attempt) => {
            if (attempt === 1) logger.warn("waiting for the store", { error: describeError(error) });
          },
        }).then(
          () => logger.info("store ready"),
          (error) => {
            if (!stopping()) logger.error("store initialisation failed", { error: describeError(error) });
          },
        );
        const liveBus = config.BUS === "kafka" && !values["no-live"] ? bus() : undefined;
        const liveFeed = liveBus ? new BusLiveFeed(liveBus, config, logger) : undefined;
        // The feed is the stream's source from the start; it waits for Kafka (and the topic) as long as
        // that takes and fails only on an error waiting cannot fix, or when the bus closes at shutdown.
        const feedStarted = liveFeed?.start().catch((error) => {
          if (!stopping())
            logger.error("live feed failed; streams carry no live rows", { error: describeError(error) });
        });
        // Recent windows are answered from memory (api/store-mirror.ts) once the table exists.
        const mirror =
          config.API_MIRROR_DAYS > 0
            ? new StoreMirror(store, {
                days: config.API_MIRROR_DAYS,
                refreshMs: config.API_MIRROR_REFRESH_MS,
                symbols: config.SYMBOLS,
                logger,
                registry,
              })
            : undefined;
        const mirrorStarted = storeReady.then(() => {
          if (!stopping()) mirror?.start();
        });
        const reader = mirror ?? store;
        const app = createApp({ store: reader, config, logger, registry, ...(liveFeed ? { liveFeed } : {}) });
        // A request may wait for a query up to API_QUERY_TIMEOUT_MS: the idle limit must not cut it first.
        const idleTimeoutSeconds = Math.ceil(config.API_QUERY_TIMEOUT_MS / 1000) + 10;
        const server = serveApi(app, { port, hostname: values.host, logger, idleTimeoutSeconds });
        return Promise.resolve({
          // The bootstrap closes the store after this.
          async stop() {
            await server.stop();
            await liveBus?.close().catch(() => {});
            await feedStarted;
            await liveFeed?.stop().catch(() => {});
            await mirrorStarted;
            await mirror?.stop();
          },
        });
      },
    });
  },
};
