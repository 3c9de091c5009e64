/**
 * `bun run shamdan sink`: the sink service (sink/README.md). Bus and store from config, health and
 * metrics on HEALTH_PORT (default 9103); SIGTERM/SIGINT stop it gracefully: a batch being written
 * finishes (or, if the store is down, is abandoned uncommitted), then the bus and store close. Until it
 * consumes (waiting for the store, Kafka or its topics) /readyz says not ready; a signal meanwhile ends
 * the wait and exits 0.
 */

import { createBus } from "@shamdan/shared/adapters/create-bus";
import { createStore } from "@shamdan/shared/adapters/create-store";
import { loadConfig } from "@shamdan/shared/core/config";
import { startHealthServer } from "@shamdan/shared/core/health-server";
import { createLogger } from "@shamdan/shared/core/log";
import { startSink } from "@shamdan/sink/sink";
import { collectDefaultMetrics, Registry } from "prom-client";
import { type Command, ExitCode, parseOptions } from "../command.ts";
import { startUnlessStopped, untilSignal } from "../until-signal.ts";

const help = `Usage: bun run shamdan sink

Consumes OUTPUT_TOPIC in consumer group SINK_GROUP and writes the rows to the store (STORE=questdb:
ILP into QUESTDB_TABLE, created at start-up with DEDUP UPSERT KEYS(local_time, stock_symbol); or
STORE=sqlite). Offsets are committed after the store acknowledged; while the store is down the sink
pauses and retries with backoff. Bad messages go to DEAD_LETTER_TOPIC. Health and metrics:
http://127.0.0.1:HEALTH_PORT (default 9103) /healthz, /readyz, /metrics. Stops on SIGTERM or SIGINT.`;

export const sinkCommand: Command = {
  name: "sink",
  summary: "Write processed rows to QuestDB",
  help,
  service: true,
  async run(argv) {
    parseOptions(argv, {});
    const config = loadConfig();
    const signal = untilSignal();
    const logger = createLogger(config.LOG_LEVEL, { service: "sink" });
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const bus = createBus(config, logger);
    const store = createStore(config, logger);
    const abort = new AbortController();
    let sink: Awaited<ReturnType<typeof startSink>> | undefined;
    const health = startHealthServer({
      port: config.HEALTH_PORT ?? 9103,
      registry,
      ready: () => sink?.ready() ?? false,
    });
    logger.info("health server listening", { url: health.url });
    try {
      // Stopped while still waiting for the store or Kafka at start-up: nothing was consumed, a clean exit.
      sink = await startUnlessStopped(
        startSink({ config, bus, store, logger, registry, signal: abort.signal }),
        signal,
        async () => {
          abort.abort();
          await bus.close();
        },
        (late) => late.stop(),
      );
      if (!sink) {
        logger.info("stopped while starting", { signal: await signal });
        return ExitCode.ok;
      }
      logger.info("shutting down", { signal: await signal });
      abort.abort();
      await sink.stop();
      return ExitCode.ok;
    } finally {
      await bus.close();
      await store.close();
      await health.stop();
    }
  },
};
