/** Prometheus metrics of the sink, registered on the caller's registry (one per process or test). */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export type SinkMetrics = ReturnType<typeof sinkMetrics>;

/** The sink's metrics: a declarative list, long only because each metric is a few lines of text. */
export function sinkMetrics(registry: Registry) {
  const registers = [registry];
  return {
    rowsIn: new Counter({
      name: "shamdan_sink_rows_in_total",
      help: "Messages consumed from the output topic (valid or not)",
      registers,
    }),
    rowsWritten: new Counter({
      name: "shamdan_sink_rows_written_total",
      help: "Rows acknowledged by the store (after in-batch dedup)",
      registers,
    }),
    deadLetters: new Counter({
      name: "shamdan_sink_dead_letters_total",
      help: "Messages sent to the dead-letter topic",
      registers,
    }),
    rowsRefused: new Counter({
      name: "shamdan_sink_rows_refused_total",
      help: "Rows the store refused (isolated by bisection, then dead-lettered)",
      registers,
    }),
    isolationWrites: new Counter({
      name: "shamdan_sink_isolation_writes_total",
      help: "Store writes made to isolate refused rows (beyond one per batch)",
      registers,
    }),
    writeErrors: new Counter({
      name: "shamdan_sink_write_errors_total",
      help: "Failed store writes, by error code (outages and refusals)",
      labelNames: ["code"] as const,
      registers,
    }),
    writeRetries: new Counter({
      name: "shamdan_sink_write_retries_total",
      help: "Store write retries while the store was down",
      registers,
    }),
    paused: new Gauge({
      name: "shamdan_sink_paused",
      help: "1 while the sink waits for the store to come back, else 0",
      registers,
    }),
    batchSize: new Histogram({
      name: "shamdan_sink_batch_size",
      help: "Rows per store write",
      buckets: [1, 10, 50, 100, 500, 1000, 5000],
      registers,
    }),
    writeSeconds: new Histogram({
      name: "shamdan_sink_write_duration_seconds",
      help: "Time for the store to acknowledge one batch",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    lag: new Gauge({
      name: "shamdan_sink_consumer_lag",
      help: "Output-topic messages not yet committed by the sink group (sampled)",
      registers,
    }),
  };
}
