/**
 * Exchange to bus and exchange to signal, at 5 symbols x one candle update per second, with
 * LIVE_SOURCE websocket and with poll (POLL_CRON every 10 s). The bench plays the exchange
 * (ws/exchange.ts): it keeps each symbol's forming candle, serves it on a UDF endpoint and pushes every
 * change into a real Centrifugo, so both sources see the same candles. An update's moment is taken right
 * before its HTTP publish call; it arrives with the first bus message or SSE row carrying its values, or
 * a later update's of its symbol (ws/delivery.ts). Both moments are read on this process's clock.
 * 1. exchange -> bus: ingest in this process on the in-memory bus (ingest's share of the latency).
 * 2. exchange -> signal, Kafka + QuestDB: ingest, processor, sink and api run by their commands (child
 *    processes on the real Kafka and QuestDB, with this run's own topics, groups and table; everything
 *    is removed afterwards), until the row's event is read from GET /api/signals/stream over HTTP.
 * 3. exchange -> signal, embedded: `bun start` (memory bus, SQLite in a temporary folder), the same.
 * Each part warms up until every symbol's updates arrive, then counts 24 updates per symbol (20 when
 * polling, each of which waits for a poll): bounded to a few minutes in all.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { ensureCentrifugo, startCentrifugo } from "../ingest/centrifugo-server.ts";
import { startIngestService } from "../ingest/ingest-service.ts";
import {
  deleteKafkaResources,
  isolatedOverrides,
  questDb,
  runTopics,
} from "../processor/testing/pipeline-harness.ts";
import { MemoryBus } from "../shared/adapters/memory/memory-bus.ts";
import { textDecoder } from "../shared/core/bus.ts";
import { loadConfig, topicFor } from "../shared/core/config.ts";
import { silentLogger } from "../shared/core/log.ts";
import { requireInfra, testConfig, uniqueName } from "../shared/testing/integration.ts";
import { quantile } from "./measure.ts";
import { report } from "./results.ts";
import { DeliveryLog } from "./ws/delivery.ts";
import { Exchange, type PushPlan, pushAndMeasure } from "./ws/exchange.ts";
import {
  assertRunning,
  clearedSettings,
  followSignalStream,
  freePort,
  liveGroupsOf,
  newFleet,
} from "./ws/signal-stream.ts";

const SYMBOLS = ["BTCIRT", "ETHIRT", "USDTIRT", "ETCIRT", "SHIBIRT"];
const SOURCES = ["websocket", "poll"] as const;
type Source = (typeof SOURCES)[number];
const POLL_CRON = "*/10 * * * * *";
/** 120 counted updates pushed; a poll's are 100 (each waits for a poll, up to 10 s). */
const PLANS: Record<Source, PushPlan> = {
  websocket: { pushes: 24, settleMs: 3000, drainMs: 5000 },
  poll: { pushes: 20, settleMs: 0, drainMs: 15_000 },
};
/** p99 targets of exchange -> signal with the WebSocket source. */
const KAFKA_TARGET_MS = 500;
const EMBEDDED_TARGET_MS = 100;

/** What ingest is told, in every mode: this bench's exchange, the source, the poll schedule. */
const ingestSettings = (exchange: Exchange, wsUrl: string, source: Source) => ({
  SYMBOLS: SYMBOLS.join(","),
  NOBITEX_BASE_URL: exchange.udfUrl,
  NOBITEX_WS_URL: wsUrl,
  LIVE_SOURCE: source,
  POLL_CRON,
  BACKFILL_CANDLES: "2",
});

/** Ingest in this process on the in-memory bus; an update arrives with its message on the bus. */
async function toBus(exchange: Exchange, wsUrl: string, source: Source): Promise<DeliveryLog> {
  const log = new DeliveryLog();
  const bus = new MemoryBus();
  const config = loadConfig({}, ingestSettings(exchange, wsUrl, source));
  const ingest = await startIngestService({
    config,
    bus,
    logger: silentLogger,
    registry: new Registry(),
    healthPort: false,
  });
  const reader = await bus.subscribe({
    groupId: "bench",
    topics: SYMBOLS.map((s) => topicFor(config, s)),
    onBatch: async ({ messages }) => {
      const now = performance.now();
      for (const m of messages) log.arrived(JSON.parse(textDecoder.decode(m.value)), now);
    },
  });
  try {
    await pushAndMeasure(exchange, log, PLANS[source]);
  } finally {
    await reader.stop();
    await ingest.stop();
    await bus.close();
  }
  return log;
}

/**
 * Kafka + QuestDB: processor, sink and api up (and the SSE client reading), then each source's ingest
 * in turn. The API listens on 127.0.0.1 only.
 */
async function kafkaToSignal(exchange: Exchange, wsUrl: string, dir: string) {
  const overrides = isolatedOverrides(uniqueName("bench_ws"), SYMBOLS);
  const config = testConfig(overrides);
  const shared = {
    ...clearedSettings,
    ...overrides,
    KAFKA_BROKERS: config.KAFKA_BROKERS.join(","),
    QUESTDB_ILP_CONF: config.QUESTDB_ILP_CONF,
    QUESTDB_PG_URL: config.QUESTDB_PG_URL,
    LOG_LEVEL: "warn",
  };
  const fleet = newFleet(dir);
  const ready = (port: number) => `http://127.0.0.1:${port}/readyz`;
  for (const command of ["processor", "sink"]) {
    const port = await freePort();
    fleet.add({
      name: command,
      command,
      env: { ...shared, HEALTH_PORT: String(port) },
      readyUrl: ready(port),
    });
  }
  const apiPort = await freePort();
  fleet.add({
    name: "api",
    command: "api",
    args: ["--host", "127.0.0.1"],
    env: { ...shared, API_PORT: String(apiPort) },
    readyUrl: ready(apiPort),
  });
  for (const source of SOURCES) {
    const port = await freePort();
    fleet.add({
      name: `ingest-${source}`,
      command: "ingest",
      env: { ...shared, ...ingestSettings(exchange, wsUrl, source), HEALTH_PORT: String(port) },
      readyUrl: ready(port),
    });
  }
  const logs = new Map<Source, DeliveryLog>();
  try {
    fleet.start(["processor", "sink", "api"]);
    await fleet.waitReady(["processor", "sink", "api"]);
    let log = new DeliveryLog();
    const stream = await followSignalStream(`http://127.0.0.1:${apiPort}`, (c, at) => log.arrived(c, at));
    try {
      for (const source of SOURCES) {
        const ingest = `ingest-${source}`;
        fleet.start([ingest]);
        await fleet.waitReady([ingest]);
        log = new DeliveryLog();
        logs.set(source, log);
        await pushAndMeasure(exchange, log, PLANS[source]);
        assertRunning(fleet);
        await fleet.stop(ingest);
      }
    } finally {
      await stream.stop();
    }
  } finally {
    await fleet.stopAll();
    const liveGroups = await liveGroupsOf(config).catch(() => []);
    await deleteKafkaResources(config, runTopics(config), [
      config.PROCESSOR_GROUP,
      config.SINK_GROUP,
      ...liveGroups,
    ]);
    const db = questDb(config);
    await db.drop();
    await db.close();
  }
  return logs;
}

/** `bun start` per source, each on its own SQLite file, with the SSE client on its API. */
async function embeddedToSignal(exchange: Exchange, wsUrl: string, dir: string) {
  const fleet = newFleet(dir);
  const logs = new Map<Source, DeliveryLog>();
  try {
    for (const source of SOURCES) {
      const name = `embedded-${source}`;
      const port = await freePort();
      fleet.add({
        name,
        command: "start",
        env: {
          ...clearedSettings,
          ...ingestSettings(exchange, wsUrl, source),
          SQLITE_PATH: join(dir, `${name}.sqlite`),
          API_PORT: String(port),
          LOG_LEVEL: "warn",
        },
        readyUrl: `http://127.0.0.1:${port}/readyz`,
      });
      fleet.start([name]);
      await fleet.waitReady([name]);
      const log = new DeliveryLog();
      logs.set(source, log);
      const stream = await followSignalStream(`http://127.0.0.1:${port}`, (c, at) => log.arrived(c, at));
      try {
        await pushAndMeasure(exchange, log, PLANS[source]);
        assertRunning(fleet);
      } finally {
        await stream.stop();
        await fleet.stop(name);
      }
    }
  } finally {
    await fleet.stopAll();
  }
  return logs;
}

/** One line per measurement; its p50 and p99 go into `figures` as `ws.${key}P50Ms` / `ws.${key}P99Ms`. */
function record(
  figures: Record<string, number>,
  label: string,
  key: string,
  log: DeliveryLog | undefined,
  targetMs?: number,
): void {
  if (!log) return;
  const p50 = quantile(log.latencies, 0.5);
  const p99 = quantile(log.latencies, 0.99);
  const verdict =
    targetMs === undefined
      ? "no target"
      : `target p99 < ${targetMs} ms: ${p99 < targetMs ? "met" : "missed"}`;
  process.stdout.write(
    `${label.padEnd(38)} p50 ${p50.toFixed(1).padStart(7)} ms  p99 ${p99.toFixed(1).padStart(7)} ms  ${verdict}  ` +
      `(${log.delivered} of ${log.counted} updates arrived, ${log.exact} with their own values)\n`,
  );
  // None arrived leaves the quantiles NaN: nothing is reported rather than a made-up figure.
  if (log.delivered === 0) return;
  figures[`ws.${key}P50Ms`] = Math.round(p50 * 10) / 10;
  figures[`ws.${key}P99Ms`] = Math.round(p99 * 10) / 10;
}

export async function bench(): Promise<void> {
  await requireInfra();
  const binary = await ensureCentrifugo({ log: (line) => process.stdout.write(`${line}\n`) });
  const dir = mkdtempSync(join(tmpdir(), "shamdan-ws-bench-"));
  const centrifugo = await startCentrifugo({ binary, port: await freePort(), dir: join(dir, "centrifugo") });
  const exchange = new Exchange(SYMBOLS, centrifugo);
  const figures: Record<string, number> = {};
  let failed = true;
  try {
    process.stdout.write(
      `candle updates published into a real Centrifugo (moment: right before the HTTP publish call), ` +
        `${SYMBOLS.length} symbols x 1/s, poll = POLL_CRON every 10 s; until ingest's message is on the ` +
        `in-memory bus (-> bus), or until the row's event is read from GET /api/signals/stream over HTTP ` +
        `(-> signal); both moments on this process's clock (performance.now)\n`,
    );
    for (const source of SOURCES) {
      const log = await toBus(exchange, centrifugo.wsUrl, source);
      record(
        figures,
        `${source} exchange -> bus`,
        source === "poll" ? "pollExchangeToBus" : "exchangeToBus",
        log,
      );
    }
    const kafka = await kafkaToSignal(exchange, centrifugo.wsUrl, join(dir, "kafka"));
    record(
      figures,
      "kafka websocket exchange -> signal",
      "exchangeToSignal",
      kafka.get("websocket"),
      KAFKA_TARGET_MS,
    );
    record(figures, "kafka poll exchange -> signal", "pollExchangeToSignal", kafka.get("poll"));
    const embedded = await embeddedToSignal(exchange, centrifugo.wsUrl, join(dir, "embedded"));
    record(
      figures,
      "embedded websocket exchange -> signal",
      "embeddedExchangeToSignal",
      embedded.get("websocket"),
      EMBEDDED_TARGET_MS,
    );
    record(figures, "embedded poll exchange -> signal", "embeddedPollExchangeToSignal", embedded.get("poll"));
    for (const [key, value] of Object.entries(figures)) report(key, value);
    failed = false;
  } finally {
    await exchange.stop();
    await centrifugo.stop();
    // A failed run keeps the services' logs.
    if (failed) process.stdout.write(`logs kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await bench();
