/**
 * `bun run shamdan processor`: the processor service (processor/README.md). Bus from config, health and
 * metrics on HEALTH_PORT (default 9102), up first and not ready until the processor consumes (it waits
 * for Kafka and its topics meanwhile, kafka-bus.ts); SIGTERM/SIGINT stop it gracefully: the in-flight
 * batch finishes (rows and state published, offsets committed), then the bus closes. A signal while it
 * still waits for Kafka ends the wait and exits 0.
 */
import { type RunningProcessor, startProcessor } from "@shamdan/processor/processor";
import { type Command, parseOptions } from "../command.ts";
import { runService } from "../service-bootstrap.ts";

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
    return runService<RunningProcessor>({
      name: "processor",
      health: {
        defaultPort: 9102,
        ready: (processor) => processor?.ready() ?? false,
        // Which partitions keep failing (and for how long): what an operator looks at first.
        detail: (processor) => ({
          started: processor !== undefined,
          failingPartitions: processor?.failing() ?? [],
        }),
      },
      start: ({ config, logger, registry, bus }) => startProcessor({ config, bus: bus(), logger, registry }),
    });
  },
};
