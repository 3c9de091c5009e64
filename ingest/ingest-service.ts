/**
 * Ingest wired up: metrics, the health server (up first, so probes answer during the backfill),
 * the Nobitex client, the poller and the live source (`LIVE_SOURCE`, live-source.ts): the WebSocket
 * stream starts after the backfill, and the poller's scheduled runs cover only the symbols it does not. The CLI (`shamdan ingest`) and embedded mode (`bun start`,
 * with the in-memory bus) both start it here; the caller owns the bus.
 */
import type { Bus } from "@shamdan/shared/core/bus";
import type { Config } from "@shamdan/shared/core/config";
import { type HealthServer, startHealthServer } from "@shamdan/shared/core/health-server";
import type { Logger } from "@shamdan/shared/core/log";
import { collectDefaultMetrics, Registry } from "prom-client";
import { type LiveSource, PollLiveSource } from "./live-source.ts";
import { createIngestMetrics, type IngestMetrics } from "./metrics.ts";
import { NobitexClient } from "./nobitex-client.ts";
import { Poller } from "./poller.ts";
import { WsLiveSource } from "./ws-source.ts";

/** Default health/metrics port of ingest (processor and sink use their own). */
export const INGEST_HEALTH_PORT = 9101;

export interface IngestServiceOptions {
  config: Config;
  bus: Bus;
  logger: Logger;
  /** Shared registry (embedded mode serves one /metrics); default a new one with process metrics. */
  registry?: Registry;
  /** false: no health server (embedded mode serves its own). Default HEALTH_PORT or 9101. */
  healthPort?: number | false;
  /** Epoch ms of the poller (the stream's silence is measured in real time). */
  now?: () => number;
  /** The stream's reconnect backoff bounds (ms); default the SDK's 500 and 20,000. */
  wsReconnectDelayMs?: { min: number; max: number };
}

export interface IngestService {
  poller: Poller;
  live: LiveSource;
  metrics: IngestMetrics;
  health: HealthServer | undefined;
  stop(): Promise<void>;
}

// Long only as wiring: metrics, health, client, poller and live source, each built in its own module.
export async function startIngestService(options: IngestServiceOptions): Promise<IngestService> {
  const { config, logger } = options;
  let registry = options.registry;
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "shamdan_ingest_" });
  }
  const metrics = createIngestMetrics(registry);
  // The poller asks the live source which symbols its scheduled runs must cover; the source needs the
  // poller to publish pushes: built in that order, the closure reads `live` only once runs begin.
  let live: LiveSource = new PollLiveSource();
  const poller = new Poller({
    config,
    bus: options.bus,
    source: new NobitexClient({ baseUrl: config.NOBITEX_BASE_URL, timeoutMs: config.NOBITEX_TIMEOUT_MS }),
    metrics,
    logger,
    now: options.now,
    sourceName: `Nobitex at ${config.NOBITEX_BASE_URL}`,
    shouldPoll: (symbol) => live.needsPolling(symbol),
  });
  if (config.LIVE_SOURCE === "websocket") {
    live = new WsLiveSource({
      url: config.NOBITEX_WS_URL,
      symbols: config.SYMBOLS,
      resolution: config.RESOLUTION,
      poller,
      metrics,
      logger,
      silenceMs: config.WS_SILENCE_MS,
      minReconnectDelayMs: options.wsReconnectDelayMs?.min,
      maxReconnectDelayMs: options.wsReconnectDelayMs?.max,
    });
  }
  const port =
    options.healthPort === undefined ? (config.HEALTH_PORT ?? INGEST_HEALTH_PORT) : options.healthPort;
  const health =
    port === false
      ? undefined
      : startHealthServer({
          port,
          registry,
          ready: () => poller.ready,
          detail: () =>
            Object.fromEntries(
              config.SYMBOLS.map((s) => [s, { ...poller.symbolState(s), ...live.status(s) }]),
            ),
        });
  logger.info("ingest starting", {
    symbols: config.SYMBOLS,
    cron: config.POLL_CRON,
    backfill: config.BACKFILL_CANDLES,
    nobitex: config.NOBITEX_BASE_URL,
    live: config.LIVE_SOURCE === "websocket" ? config.NOBITEX_WS_URL : "poll",
    health: health?.url,
  });
  try {
    await poller.start();
    await live.start();
  } catch (error) {
    await health?.stop();
    throw error;
  }
  // Not ready here means every symbol's first polls failed: the poller has logged what to check.
  logger.info(poller.ready ? "ingest ready" : "ingest started, not ready yet", {
    state: Object.fromEntries(config.SYMBOLS.map((s) => [s, poller.symbolState(s)])),
  });
  return {
    poller,
    live,
    metrics,
    health,
    stop: async () => {
      // The stream first: a push must not reach a stopped poller.
      await live.stop();
      await poller.stop();
      await health?.stop();
    },
  };
}
