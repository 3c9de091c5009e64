/**
 * `bun run shamdan sink`: the sink service (sink/README.md). Bus and store from config, health and
 * metrics on HEALTH_PORT (default 9103); SIGTERM/SIGINT stop it gracefully: a batch being written
 * finishes (or, if the store is down, is abandoned uncommitted), then the bus and store close. Until it
 * consumes (waiting for the store, Kafka or its topics) /readyz says not ready; a signal meanwhile ends
 * the wait and exits 0.
 */

import { type RunningSink, startSink } from "@shamdan/sink/sink";
import { type Command, parseOptions } from "../command.ts";
import { runService } from "../service-bootstrap.ts";

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
    return runService<RunningSink>({
      name: "sink",
      health: { defaultPort: 9103, ready: (sink) => sink?.ready() ?? false },
      // Stopped while still waiting for the store or Kafka at start-up: nothing was consumed, a clean exit.
      start: ({ config, logger, registry, bus, store, abortSignal }) =>
        startSink({ config, bus: bus(), store: store(), logger, registry, signal: abortSignal }),
    });
  },
};
