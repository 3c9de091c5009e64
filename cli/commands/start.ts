/**
 * `bun start`: the whole pipeline in one Bun process: ingest -> processor -> sink -> store, and the
 * API, wired on the in-memory bus and the SQLite store by default (no JVM, no Docker). The services
 * are the same code as in Kafka mode; only the adapters differ. Nothing here waits on a remote
 * dependency with the default adapters; with BUS=kafka / STORE=questdb start-up waits for them as the
 * single services do, and a signal during that wait exits 0.
 */
import { resolve } from "node:path";
import { createApp } from "@shamdan/api/app";
import { BusLiveFeed } from "@shamdan/api/kafka-live-feed";
import { serveApi } from "@shamdan/api/serve";
import { startFakeNobitex } from "@shamdan/ingest/fake-nobitex";
import { startIngestService } from "@shamdan/ingest/ingest-service";
import { startProcessor } from "@shamdan/processor/processor";
import { createBus } from "@shamdan/shared/adapters/create-bus";
import { createStore } from "@shamdan/shared/adapters/create-store";
import { loadConfig } from "@shamdan/shared/core/config";
import { createLogger } from "@shamdan/shared/core/log";
import { startSink } from "@shamdan/sink/sink";
import { collectDefaultMetrics, Registry } from "prom-client";
import { type Command, ExitCode, parseOptions } from "../command.ts";
import { startUnlessStopped, untilSignal } from "../until-signal.ts";
import { startSlackAlerts } from "./start-slack.ts";

const RECORDINGS = ["ETHBTC", "ETCBTC", "XRPETH"] as const;

const help = `Usage: bun start [--demo] [--port N]
       bun run shamdan start [--demo] [--port N]

Runs ingest, processor, sink and the HTTP API in one process. Defaults: BUS=memory, STORE=sqlite
(SQLITE_PATH, default ./data/shamdan.sqlite); set BUS=kafka / STORE=questdb to use the real ones.
Polls NOBITEX_BASE_URL on POLL_CRON for SYMBOLS. With SLACK_WEBHOOK_URL set, live signal changes are
posted to Slack.

  --demo     serve the recorded real candles in data/candles through a local fake Nobitex (re-timed
             to end now, a new candle every minute) instead of the real exchange: for a laptop
             without access to Nobitex. Each symbol of SYMBOLS is mapped to one recording.
  --port N   API port (overrides API_PORT)

Open http://127.0.0.1:API_PORT/docs for the API; Ctrl-C stops everything cleanly.`;

export const startCommand: Command = {
  name: "start",
  summary: "Run the whole pipeline in one process (embedded: memory bus, SQLite store)",
  help,
  service: true,
  async run(argv) {
    const { values } = parseOptions(argv, {
      demo: { type: "boolean", default: false },
      port: { type: "string" },
    });
    let config = loadConfig(process.env, values.port ? { API_PORT: values.port } : {}, {
      BUS: "memory",
      STORE: "sqlite",
    });
    const signal = untilSignal();
    const logger = createLogger(config.LOG_LEVEL, { service: "shamdan" });
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });

    const fake = values.demo
      ? await startFakeNobitex({
          dataDir: resolve(import.meta.dir, "../../data/candles"),
          port: 0,
          hostname: "127.0.0.1",
          symbols: [...RECORDINGS],
          map: Object.fromEntries(
            config.SYMBOLS.map((s, i) => [s, RECORDINGS[i % RECORDINGS.length] as string]),
          ),
          live: true,
          retime: true,
        })
      : undefined;
    if (fake) {
      config = loadConfig(
        process.env,
        { NOBITEX_BASE_URL: fake.url, API_PORT: String(config.API_PORT) },
        {
          BUS: "memory",
          STORE: "sqlite",
        },
      );
      logger.info("demo: serving recorded candles as a fake Nobitex", {
        url: fake.url,
        symbols: config.SYMBOLS,
      });
    }

    const bus = createBus(config, logger);
    const store = createStore(config, logger);
    const abort = new AbortController();
    const stops: (() => Promise<unknown>)[] = [];
    try {
      const server = await startUnlessStopped(
        (async () => {
          await store.init();
          // Downstream first, so nothing ingest publishes waits for a consumer.
          const sink = await startSink({ config, bus, store, logger, registry, signal: abort.signal });
          stops.unshift(() => sink.stop());
          const processor = await startProcessor({ config, bus, logger, registry });
          stops.unshift(() => processor.stop());
          const liveFeed = new BusLiveFeed(bus, config, logger);
          await liveFeed.start();
          stops.unshift(() => liveFeed.stop());
          if (config.SLACK_WEBHOOK_URL) {
            const slack = await startSlackAlerts({
              bus,
              config,
              logger,
              webhookUrl: config.SLACK_WEBHOOK_URL,
            });
            stops.unshift(() => slack.stop());
          }
          const app = createApp({ store, config, logger, registry, liveFeed });
          const api = serveApi(app, { port: config.API_PORT, hostname: "127.0.0.1", logger });
          stops.unshift(() => api.stop());
          const ingest = await startIngestService({ config, bus, logger, registry, healthPort: false });
          stops.unshift(() => ingest.stop());
          return api;
        })(),
        signal,
        async () => {
          abort.abort();
          await bus.close();
        },
        // Whatever started is in `stops`, run below.
        async () => {},
      );
      if (!server) {
        logger.info("stopped while starting", { signal: await signal });
        return ExitCode.ok;
      }
      logger.info("shamdan is running", {
        api: server.url,
        docs: `${server.url}/docs`,
        bus: config.BUS,
        store: config.STORE,
        symbols: config.SYMBOLS,
      });
      logger.info("shutting down", { signal: await signal });
      abort.abort();
      return ExitCode.ok;
    } finally {
      // Upstream first: ingest stops publishing, then the processor and sink drain what they hold.
      for (const stop of stops) await stop().catch((error) => logger.warn("stop failed", { error }));
      await bus.close();
      await store.close();
      await fake?.stop();
    }
  },
};
