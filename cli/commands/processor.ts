/**
 * `bun run shamdan processor`: the processor service (processor/README.md). Bus from config, health and
 * metrics on HEALTH_PORT (default 9102), up first and not ready until the processor consumes (it waits
 * for Kafka and its topics meanwhile, kafka-bus.ts); SIGTERM/SIGINT stop it gracefully: the in-flight
 * batch finishes (rows and state published, offsets committed), then the bus closes. A signal while it
 * still waits for Kafka ends the wait and exits 0.
 */
import { startProcessor } from "@shamdan/processor/processor";
import { createBus } from "@shamdan/shared/adapters/create-bus";
import { loadConfig } from "@shamdan/shared/core/config";
import { startHealthServer } from "@shamdan/shared/core/health-server";
import { createLogger } from "@shamdan/shared/core/log";
import { collectDefaultMetrics, Registry } from "prom-client";
import { type Command, ExitCode, parseOptions } from "../command.ts";
import { startUnlessStopped, untilSignal } from "../until-signal.ts";

const help = `Usage: bun run shamdan processor

Consumes every symbol topic (SYMBOLS, TOPIC_TEMPLATE) in consumer group PROCESSOR_GROUP, computes
SMA/EMA/RSI and the signal per candle, and publishes rows to OUTPUT_TOPIC. Bad messages go to
DEAD_LETTER_TOPIC. State is kept in the compacted topic <PROCESSOR_GROUP>_state (exact recovery).
Run several to scale out. Health and metrics: http://127.0.0.1:HEALTH_PORT (default 9102)
/healthz, /readyz, /metrics. Stops gracefully on SIGTERM or SIGINT.`;

export const processorCommand: Command = {
  name: "processor",
  summary: "Consume candles, compute indicators and signals, publish rows",
  help,
  service: true,
  async run(argv) {
    parseOptions(argv, {});
    const config = loadConfig();
    const signal = untilSignal();
    const logger = createLogger(config.LOG_LEVEL, { service: "processor" });
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const bus = createBus(config, logger);
    let processor: Awaited<ReturnType<typeof startProcessor>> | undefined;
    const health = startHealthServer({
      port: config.HEALTH_PORT ?? 9102,
      registry,
      ready: () => processor?.ready() ?? false,
      // Which partitions keep failing (and for how long): what an operator looks at first.
      detail: () => ({ started: processor !== undefined, failingPartitions: processor?.failing() ?? [] }),
    });
    logger.info("health server listening", { url: health.url });
    try {
      processor = await startUnlessStopped(
        startProcessor({ config, bus, logger, registry }),
        signal,
        () => bus.close(),
        (late) => late.stop(),
      );
      if (!processor) {
        logger.info("stopped while starting", { signal: await signal });
        return ExitCode.ok;
      }
      logger.info("shutting down", { signal: await signal });
      await processor.stop();
      return ExitCode.ok;
    } finally {
      await bus.close();
      await health.stop();
    }
  },
};
