/**
 * `bun run shamdan api`: the HTTP API (api/README.md) on API_PORT. It starts and stays up while the
 * store is down (requests get 503 and /readyz says so; postgres.js reconnects by itself), uses a
 * Kafka live feed for the SSE stream when BUS=kafka (polling the store otherwise or if Kafka is
 * unreachable at start-up), and shuts down gracefully on SIGTERM/SIGINT.
 */

import { createApp } from "@shamdan/api/app";
import { BusLiveFeed } from "@shamdan/api/kafka-live-feed";
import type { LiveFeed } from "@shamdan/api/live-feed";
import { serveApi } from "@shamdan/api/serve";
import { createBus } from "@shamdan/shared/bus/create-bus";
import { loadConfig } from "@shamdan/shared/config";
import { describeError } from "@shamdan/shared/errors";
import { createLogger } from "@shamdan/shared/log";
import { createStore } from "@shamdan/shared/store/create-store";
import { collectDefaultMetrics, Registry } from "prom-client";
import { type Command, ExitCode, parseOptions, UsageError } from "../command.ts";
import { untilSignal } from "../until-signal.ts";

const help = `Usage: bun run shamdan api [--port N] [--host ADDRESS] [--no-live]

Serves the HTTP API (Hono) on API_PORT (default 3000): the seed's POST /api/aggregate/,
/api/summarize/, /api/summarize/multiple/; GET /api/symbols, /api/candles, /api/signals,
/api/signals/latest, /api/signals/stream (SSE); /openapi.json, /docs, /healthz, /readyz, /metrics.
Reads from STORE (questdb or sqlite). With BUS=kafka the stream follows OUTPUT_TOPIC live; otherwise
(or with --no-live) it polls the store every second. API_TOKEN enables bearer auth on /api/*,
CORS_ORIGINS enables CORS. Stops on SIGTERM or SIGINT.

Options:
  --port N        listen port (overrides API_PORT)
  --host ADDRESS  listen address (default 0.0.0.0)
  --no-live       do not consume OUTPUT_TOPIC; the stream polls the store`;

/** Kafka that does not answer within this time at start-up leaves the stream on store polling. */
const LIVE_FEED_START_MS = 15_000;

async function startLiveFeed(feed: BusLiveFeed): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${LIVE_FEED_START_MS} ms`)), LIVE_FEED_START_MS);
  });
  try {
    await Promise.race([feed.start(), timeout]);
    return true;
  } finally {
    clearTimeout(timer);
  }
}

export const apiCommand: Command = {
  name: "api",
  summary: "Serve the HTTP API (Hono)",
  help,
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
    const logger = createLogger(config.LOG_LEVEL, { service: "api" });
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const store = createStore(config, logger);
    // Reads need the table; creating it is idempotent. If the store is down now, requests get 503
    // until it is back (the sink creates the table too), so a failure here is only a warning.
    await store
      .init()
      .catch((error) => logger.warn("store not ready at start-up", { error: describeError(error) }));

    const bus = config.BUS === "kafka" && !values["no-live"] ? createBus(config, logger) : undefined;
    const busFeed = bus ? new BusLiveFeed(bus, config, logger) : undefined;
    let liveFeed: LiveFeed | undefined;
    if (busFeed) {
      try {
        if (await startLiveFeed(busFeed)) liveFeed = busFeed;
      } catch (error) {
        logger.warn("live feed unavailable; the stream polls the store", { error: describeError(error) });
      }
    }
    const app = createApp({ store, config, logger, registry, ...(liveFeed ? { liveFeed } : {}) });
    const server = serveApi(app, { port, hostname: values.host, logger });
    try {
      const signal = await untilSignal();
      logger.info("shutting down", { signal });
      return ExitCode.ok;
    } finally {
      await server.stop();
      await busFeed?.stop().catch(() => {});
      await bus?.close().catch(() => {});
      await store.close();
    }
  },
};
