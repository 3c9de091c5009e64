/**
 * Pipeline benchmarks, on the real Kafka and QuestDB:
 * 1. processor throughput (candles/s, first batch to last row acknowledged) vs a bare kafkajs
 *    consume→produce passthrough of the same messages, interleaved rounds; ratio target >= 0.8;
 * 2. sink throughput (rows/s from a pre-filled output topic into QuestDB, first write to last ack) vs a
 *    bare ILP Sender writing the same rows in the same batches, interleaved rounds; ratio target >= 0.8;
 * 3. end-to-end latency publish → row queryable in QuestDB at a steady 1,000 candles/s for 20 s
 *    (p50/p99, target p99 < 1 s). Visibility is polled every 20 ms: latencies carry up to that much error.
 * Each lives in bench/pipeline/; `benchProcessorAlone`, `benchSinkAlone` and `benchLatency` there run one part.
 * Bounded (90k candles per round, 20k in the latency run); every topic, group and table is removed.
 */
import { requireInfra } from "../shared/testing/integration.ts";
import { finish } from "./pipeline/harness.ts";
import { benchLatency } from "./pipeline/latency.bench.ts";
import { benchProcessor } from "./pipeline/processor.bench.ts";
import { benchSink } from "./pipeline/sink.bench.ts";

export async function bench(): Promise<void> {
  await requireInfra();
  const run = await benchProcessor();
  try {
    await benchSink(run);
  } finally {
    await finish(run);
  }
  await benchLatency();
}

if (import.meta.main) await bench();
