import { startIngestService } from "@shamdan/ingest/ingest-service";
import { createBus } from "@shamdan/shared/adapters/create-bus";
import { loadConfig } from "@shamdan/shared/core/config";
import { describeError, ShamdanError } from "@shamdan/shared/core/errors";
import { createLogger } from "@shamdan/shared/core/log";
import { type Command, ExitCode, parseOptions } from "../command.ts";
import { startUnlessStopped, untilSignal } from "../until-signal.ts";

const help = `Usage: bun run shamdan ingest

Polls Nobitex GET /market/udf/history for every symbol on a croner schedule and publishes new or
changed candles to <symbol>_topic (key = symbol). At start-up it creates missing topics and backfills
the last BACKFILL_CANDLES candles per symbol; afterwards each poll starts at the last seen open time.
HTTP 429 honours the server's backOff; other failures back off exponentially per symbol.
Health and Prometheus metrics on HEALTH_PORT (default 9101): /healthz, /readyz, /metrics; /readyz
says not ready until the topics exist and the backfill ran (it waits for Kafka meanwhile).
Stops gracefully on SIGINT/SIGTERM, also while still waiting for Kafka.

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
  service: true,
  async run(argv) {
    parseOptions(argv, {});
    const config = loadConfig();
    const signal = untilSignal();
    const logger = createLogger(config.LOG_LEVEL, { service: "ingest" });
    const bus = createBus(config, logger);
    try {
      // The health server is up (not ready) while ingest waits for Kafka and backfills.
      const service = await startUnlessStopped(
        startIngestService({ config, bus, logger }),
        signal,
        () => bus.close(),
        (late) => late.stop(),
      );
      if (!service) {
        logger.info("ingest stopped while starting", { signal: await signal });
        return ExitCode.ok;
      }
      logger.info("ingest stopping", { signal: await signal });
      await service.stop();
      return ExitCode.ok;
    } catch (error) {
      // Kafka rejecting the configuration (e.g. a replication factor above the broker count): one line, code 2 (main.ts).
      if (error instanceof ShamdanError && !error.canRetry) throw error;
      logger.error("ingest failed", { error: describeError(error) });
      return ExitCode.failure;
    } finally {
      await bus.close();
    }
  },
};
