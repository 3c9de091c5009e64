/** Prometheus metrics of the processor, registered on the caller's registry (one per process or test). */
import { PlainHistogram } from "@shamdan/shared/core/plain-histogram";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export type ProcessorMetrics = ReturnType<typeof processorMetrics>;

/** The processor's metrics: a declarative list, long only because each metric is a few lines of text. */
export function processorMetrics(registry: Registry) {
  const registers = [registry];
  return {
    candlesIn: new Counter({
      name: "shamdan_processor_candles_in_total",
      help: "Input messages consumed from the symbol topics (valid or not)",
      labelNames: ["symbol_topic"] as const,
      registers,
    }),
    rowsOut: new Counter({
      name: "shamdan_processor_rows_out_total",
      help: "Indicator rows published to the output topic",
      labelNames: ["symbol"] as const,
      registers,
    }),
    rejected: new Counter({
      name: "shamdan_processor_rejected_total",
      help: "Candles refused, by reason: implausible (open time or values no real candle has; dead-lettered), and the engine's out_of_order, invalid_candle",
      labelNames: ["reason"] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: "shamdan_processor_dead_letters_total",
      help: "Messages sent to the dead-letter topic",
      registers,
    }),
    skippedReplayed: new Counter({
      name: "shamdan_processor_skipped_replayed_total",
      help: "Re-delivered input messages skipped because the restored state already reflects them",
      registers,
    }),
    restores: new Counter({
      name: "shamdan_processor_state_restores_total",
      help: "Partition states restored from the changelog on (re)assignment",
      registers,
    }),
    stateGaps: new Counter({
      name: "shamdan_processor_state_gaps_total",
      help: "Partitions whose first delivered offset is past the restored state's next offset (see processor/README.md)",
      registers,
    }),
    batchSize: new Histogram({
      name: "shamdan_processor_batch_size",
      help: "Messages per consumed batch",
      buckets: [1, 10, 50, 100, 500, 1000, 5000],
      registers,
    }),
    batchSeconds: new Histogram({
      name: "shamdan_processor_batch_duration_seconds",
      help: "Time to process one batch: compute, publish rows, publish state",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    // Observed once per message: the plain histogram costs a fraction of prom-client's per observation.
    latencySeconds: new PlainHistogram({
      name: "shamdan_processor_latency_seconds",
      help: "From the input message's broker timestamp to its row acknowledged on the output topic",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    lag: new Gauge({
      name: "shamdan_processor_consumer_lag",
      help: "Input messages not yet committed by the processor group (sampled)",
      registers,
    }),
  };
}
