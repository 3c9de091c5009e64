import { startIngestService } from "@shamdan/ingest/ingest-service";
import { type Command, parseOptions } from "../command.ts";
import { runService } from "../service-bootstrap.ts";

const help = `Usage: bun run shamdan ingest

Polls Nobitex GET /market/udf/history for every symbol on a croner schedule and publishes new or
changed candles to <symbol>_topic (key = symbol). At start-up it creates missing topics and backfills
the last BACKFILL_CANDLES candles per symbol (pages of 500, BACKFILL_CONCURRENCY at a time, published in
time order); afterwards each poll starts at the last seen open time.
HTTP 429 honours the server's backOff; other failures back off exponentially per symbol.
Health and Prometheus metrics on HEALTH_PORT (default 9101): /healthz, /readyz, /metrics; /readyz
says not ready until the topics exist and the backfill ran (it waits for Kafka meanwhile).
Stops gracefully on SIGINT/SIGTERM, also while still waiting for Kafka.

With LIVE_SOURCE=websocket (default) live candles come from Nobitex's WebSocket stream (NOBITEX_WS_URL,
one connection for every symbol); the polls then backfill, fill the gap after every (re)connect and
each new period, and cover a symbol silent for WS_SILENCE_MS. LIVE_SOURCE=poll: polls only.

Environment: SYMBOLS, NOBITEX_BASE_URL, LIVE_SOURCE, NOBITEX_WS_URL, WS_SILENCE_MS, POLL_CRON, RESOLUTION, BACKFILL_CANDLES,
BACKFILL_CONCURRENCY, POLL_CONCURRENCY, NOBITEX_TIMEOUT_MS, BUS, KAFKA_BROKERS, TOPIC_TEMPLATE, TOPIC_PARTITIONS, TOPIC_REPLICATION, HEALTH_PORT,
LOG_LEVEL.

Offline demo against recorded data:
  bun run shamdan nobitex-fake --data data/candles --live --retime --map BTCIRT=ETHBTC &
  NOBITEX_BASE_URL=http://127.0.0.1:8090 SYMBOLS=BTCIRT,ETCBTC,XRPETH bun run shamdan ingest`;

export const ingestCommand: Command = {
  name: "ingest",
  summary: "Poll Nobitex on a croner schedule and publish candles",
  help,
  service: true,
  async run(argv) {
    parseOptions(argv, {});
    // Ingest serves its own health endpoints: its readiness is the poller's, which exists only inside
    // startIngestService, and they must answer while that still waits for Kafka and backfills.
    return runService({
      name: "ingest",
      metricsPrefix: "shamdan_ingest_",
      start: ({ config, logger, registry, bus }) =>
        startIngestService({ config, bus: bus(), logger, registry }),
    });
  },
};
