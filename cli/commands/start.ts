/**
 * `bun start`: the whole pipeline in one Bun process: ingest -> processor -> sink -> store, and the
 * API, wired on the in-memory bus and the SQLite store by default (no JVM, no Docker). The services
 * are the same code as in Kafka mode; only the adapters differ. Nothing here waits on a remote
 * dependency with the default adapters; with BUS=kafka / STORE=questdb start-up waits for them as the
 * single services do, and a signal during that wait exits 0.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createApp } from "@shamdan/api/app";
import { BusLiveFeed } from "@shamdan/api/kafka-live-feed";
import { serveApi } from "@shamdan/api/serve";
import { startFakeNobitex } from "@shamdan/ingest/fake-nobitex";
import { type IngestService, startIngestService } from "@shamdan/ingest/ingest-service";
import { type FakeStream, startFakeStream } from "@shamdan/ingest/stream-faults";
import { startProcessor } from "@shamdan/processor/processor";
import { MemoryBus } from "@shamdan/shared/adapters/memory/memory-bus";
import { loadConfig } from "@shamdan/shared/core/config";
import { startSink } from "@shamdan/sink/sink";
import { type Command, parseOptions } from "../command.ts";
import { republishStoredCandles } from "../embedded-resume.ts";
import { centrifugoBinaryOf, startChildCentrifugo } from "../infra/centrifugo.ts";
import { loadInfraConfig } from "../infra/infra-config.ts";
import { ingestReadiness, reportIngestChanges } from "../ingest-status.ts";
import { runService, type ServiceContext } from "../service-bootstrap.ts";
import { startNotifications } from "./start-slack.ts";

/** The demo's symbols: each recording under its own name (data/README.md says what each one is). */
const RECORDINGS = ["ETCBTC", "ETHBTC", "XRPETH"] as const;
/** The demo's own store: its recorded markets never mix with real ones. */
const DEMO_SQLITE_PATH = "./data/demo.sqlite";

const help = `Usage: bun start [--demo] [--port N]
       bun run shamdan start [--demo] [--port N]

Runs ingest, processor, sink and the HTTP API in one process. Defaults: BUS=memory, STORE=sqlite
(SQLITE_PATH, default ./data/shamdan.sqlite); set BUS=kafka / STORE=questdb to use the real ones.
Polls NOBITEX_BASE_URL on POLL_CRON for SYMBOLS. Live signal changes go to every configured
channel (SLACK_WEBHOOK_URL, TELEGRAM_*, BALE_*, WEBHOOK_URL; see \`notify --help\`).

  --demo     serve the recorded real candles in data/candles through a local fake Nobitex instead of
             the real exchange: for a laptop without access to Nobitex. The symbols are the
             recordings' own markets (ETCBTC, ETHBTC, XRPETH, prices in BTC and ETH; SYMBOLS is
             ignored), each recording repeating on the wall clock, a new candle every minute. The
             demo keeps its rows in ${DEMO_SQLITE_PATH} (SQLITE_PATH overrides); a restart continues
             the stored history (the minutes it was stopped are backfilled) and rewrites none of it.
             With a Centrifugo binary under SHAMDAN_HOME/tools (\`bun run shamdan infra up\` builds
             one with Go; this command never builds it), the demo also starts Centrifugo as a child
             process on a free 127.0.0.1 port, the fake pushes candles into it as Nobitex's stream
             does, and ingest runs on the stream (LIVE_SOURCE=websocket); without one, or with
             LIVE_SOURCE=poll, it polls. Its start-up line says which.
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
    const overrides = values.port ? { API_PORT: values.port } : {};
    const defaults = {
      BUS: "memory",
      STORE: "sqlite",
      ...(values.demo ? { SQLITE_PATH: DEMO_SQLITE_PATH } : {}),
    };
    let config = loadConfig(process.env, overrides, defaults);
    const fake = values.demo
      ? await startFakeNobitex({
          dataDir: resolve(import.meta.dir, "../../data/candles"),
          port: 0,
          hostname: "127.0.0.1",
          symbols: [...RECORDINGS],
          loop: true,
        })
      : undefined;
    let stream: Awaited<ReturnType<typeof startDemoStream>> | undefined;
    try {
      if (fake) {
        // The default is websocket, so "poll" here was asked for.
        stream = await startDemoStream(fake, config.LIVE_SOURCE === "poll");
        config = loadConfig(
          process.env,
          {
            ...overrides,
            NOBITEX_BASE_URL: fake.url,
            SYMBOLS: RECORDINGS.join(","),
            ...(stream?.centrifugo
              ? { LIVE_SOURCE: "websocket", NOBITEX_WS_URL: stream.centrifugo.server.wsUrl }
              : { LIVE_SOURCE: "poll" }),
          },
          defaults,
        );
      }
      return await runService({
        name: "shamdan",
        config,
        start: (context) => startEverything(context, fake?.url),
        started: (api, { logger }) => {
          // Once running: a start that fails says only why, in one line.
          if (stream) process.stderr.write(`shamdan: live source: ${stream.line}\n`);
          logger.info("shamdan is running", {
            api: api.url,
            docs: `${api.url}/docs`,
            bus: config.BUS,
            store: config.STORE,
            symbols: config.SYMBOLS,
            liveSource: config.LIVE_SOURCE,
          });
        },
      });
    } finally {
      await stream?.publishing?.stop();
      await stream?.centrifugo?.close();
      await fake?.stop();
    }
  },
};

/**
 * The demo's stream when a Centrifugo binary is built (never built here: that needs Go): a Centrifugo
 * child process the fake publishes into every 10 s per symbol, as Nobitex does. Without a binary, or
 * if it fails to start, or with LIVE_SOURCE=poll, the demo polls; `line` says which and why.
 */
async function startDemoStream(fake: Awaited<ReturnType<typeof startFakeNobitex>>, pollAsked: boolean) {
  if (pollAsked) return { line: "poll (LIVE_SOURCE=poll)" };
  const binary = centrifugoBinaryOf(loadInfraConfig());
  if (!existsSync(binary))
    return {
      line: `poll (no Centrifugo binary at ${binary}; \`bun run shamdan infra up\` builds one with Go)`,
    };
  try {
    const centrifugo = await startChildCentrifugo(binary);
    const publishing: FakeStream = startFakeStream({
      fake,
      centrifugo: centrifugo.server,
      intervalMs: 10_000,
    });
    return {
      centrifugo,
      publishing,
      line: `websocket (local Centrifugo ${centrifugo.server.wsUrl}, pid ${centrifugo.server.pid()}, fed by the demo's fake Nobitex)`,
    };
  } catch (error) {
    return {
      line: `poll (the local Centrifugo did not start: ${String((error as Error).message).split("\n")[0]})`,
    };
  }
}

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
  // The in-memory bus starts empty: give the processor back the state it had (embedded-resume.ts).
  if (bus instanceof MemoryBus)
    await republishStoredCandles({ store, bus, config, logger, held: () => bus.retentionStats().retained });
  const liveFeed = new BusLiveFeed(bus, config, logger);
  await liveFeed.start();
  onStop(() => liveFeed.stop());
  const alerts = await startNotifications({ bus, config, logger, registry });
  if (alerts) onStop(() => alerts.stop());
  let ingest: IngestService | undefined;
  const app = createApp({
    store,
    config,
    logger,
    registry,
    liveFeed,
    components: { ingest: () => ingestReadiness(ingest, config) },
  });
  const api = serveApi(app, { port: config.API_PORT, hostname: "127.0.0.1", logger });
  onStop(() => api.stop());
  ingest = await startIngestService({ config, bus, logger, registry, healthPort: false });
  const started = ingest;
  onStop(() => started.stop());
  onStop(reportIngestChanges(started, config));
  // Everything is in onStop already.
  return { url: api.url, stop: async () => {} };
}
