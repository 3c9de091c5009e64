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
import { loadConfig } from "@shamdan/shared/core/config";
import { startSink } from "@shamdan/sink/sink";
import { type Command, parseOptions } from "../command.ts";
import { runService, type ServiceContext } from "../service-bootstrap.ts";
import { startNotifications } from "./start-slack.ts";

const RECORDINGS = ["ETHBTC", "ETCBTC", "XRPETH"] as const;

const help = `Usage: bun start [--demo] [--port N]
       bun run shamdan start [--demo] [--port N]

Runs ingest, processor, sink and the HTTP API in one process. Defaults: BUS=memory, STORE=sqlite
(SQLITE_PATH, default ./data/shamdan.sqlite); set BUS=kafka / STORE=questdb to use the real ones.
Polls NOBITEX_BASE_URL on POLL_CRON for SYMBOLS. Live signal changes go to every configured
channel (SLACK_WEBHOOK_URL, TELEGRAM_*, BALE_*, WEBHOOK_URL; see `notify --help`).

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
    }
    try {
      return await runService({
        name: "shamdan",
        config,
        start: (context) => startEverything(context, fake?.url),
        started: (api, { logger }) =>
          logger.info("shamdan is running", {
            api: api.url,
            docs: `${api.url}/docs`,
            bus: config.BUS,
            store: config.STORE,
            symbols: config.SYMBOLS,
          }),
      });
    } finally {
      await fake?.stop();
    }
  },
};

/**
 * Downstream first, so nothing ingest publishes waits for a consumer. Each part registers its stop as
 * it starts: they run upstream first (ingest stops publishing, then the processor and sink drain what
 * they hold), also when a signal ends the start half-way.
 */
async function startEverything(context: ServiceContext, demoUrl: string | undefined) {
  const { config, logger, registry, onStop } = context;
  if (demoUrl)
    logger.info("demo: serving recorded candles as a fake Nobitex", {
      url: demoUrl,
      symbols: config.SYMBOLS,
    });
  const bus = context.bus();
  const store = context.store();
  await store.init();
  const sink = await startSink({ config, bus, store, logger, registry, signal: context.abortSignal });
  onStop(() => sink.stop());
  const processor = await startProcessor({ config, bus, logger, registry });
  onStop(() => processor.stop());
  const liveFeed = new BusLiveFeed(bus, config, logger);
  await liveFeed.start();
  onStop(() => liveFeed.stop());
  const alerts = await startNotifications({ bus, config, logger, registry });
  if (alerts) onStop(() => alerts.stop());
  const app = createApp({ store, config, logger, registry, liveFeed });
  const api = serveApi(app, { port: config.API_PORT, hostname: "127.0.0.1", logger });
  onStop(() => api.stop());
  const ingest = await startIngestService({ config, bus, logger, registry, healthPort: false });
  onStop(() => ingest.stop());
  // Everything is in onStop already.
  return { url: api.url, stop: async () => {} };
}
