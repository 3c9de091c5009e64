import { startIngestService } from "@shamdan/ingest/ingest-service";
import { createBus } from "@shamdan/shared/bus/create-bus";
import { loadConfig } from "@shamdan/shared/config";
import { describeError } from "@shamdan/shared/errors";
import { createLogger } from "@shamdan/shared/log";
import { type Command, ExitCode, parseOptions } from "../command.ts";
import { untilSignal } from "../until-signal.ts";

const help = `Usage: bun run shamdan ingest

Polls Nobitex GET /market/udf/history for every symbol on a croner schedule and publishes new or
changed candles to <symbol>_topic (key = symbol). At start-up it creates missing topics and backfills
the last BACKFILL_CANDLES candles per symbol; afterwards each poll starts at the last seen open time.
HTTP 429 honours the server's backOff; other failures back off exponentially per symbol.
Health and Prometheus metrics on HEALTH_PORT (default 9101): /healthz, /readyz, /metrics.
Stops gracefully on SIGINT/SIGTERM.

Environment: SYMBOLS, NOBITEX_BASE_URL, POLL_CRON, RESOLUTION, BACKFILL_CANDLES, POLL_CONCURRENCY,
NOBITEX_TIMEOUT_MS, BUS, KAFKA_BROKERS, TOPIC_TEMPLATE, TOPIC_PARTITIONS, TOPIC_REPLICATION, HEALTH_PORT,
LOG_LEVEL.

Offline demo against recorded data:
  bun run shamdan nobitex-fake --data data/candles --live --retime --map BTCIRT=ETHBTC &
  NOBITEX_BASE_URL=http://127.0.0.1:8090 SYMBOLS=BTCIRT,ETCBTC,XRPETH bun run shamdan ingest`;

export const ingestCommand: Command = {
  name: "ingest",
  summary: "Poll Nobitex on a croner schedule and publish candles",
  help,
  async run(argv) {
    parseOptions(argv, {});
    const config = loadConfig();
    const logger = createLogger(config.LOG_LEVEL, { service: "ingest" });
    const bus = createBus(config, logger);
    try {
      const service = await startIngestService({ config, bus, logger });
      const signal = await untilSignal();
      logger.info("ingest stopping", { signal });
      await service.stop();
      return ExitCode.ok;
    } catch (error) {
      logger.error("ingest failed", { error: describeError(error) });
      return ExitCode.failure;
    } finally {
      await bus.close();
    }
  },
};
