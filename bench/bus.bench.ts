/**
 * Bus throughput (the processor's and sink's numbers rest on it): publish (batched, 1,000 messages
 * per call) and consume (one subscriber, fresh group, from the beginning) of the same messages, for
 * the in-memory bus and for the real Kafka on 127.0.0.1:9092. Bounded: 100k messages per adapter,
 * a candle-sized JSON value (~200 bytes), 12 keys over 3 partitions; the Kafka topic is deleted after.
 */

import { KafkaBus } from "../shared/adapters/kafka/kafka-bus.ts";
import { MemoryBus } from "../shared/adapters/memory/memory-bus.ts";
import type { Bus, OutgoingMessage } from "../shared/core/bus.ts";
import { loadConfig } from "../shared/core/config.ts";
import { requireInfra, uniqueName, waitFor } from "../shared/testing/integration.ts";
import { report } from "./results.ts";

const N = 100_000;
const BATCH = 1000;
const KEYS = Array.from({ length: 12 }, (_, i) => `SYM${i}IRT`);

function messages(): OutgoingMessage[][] {
  const out: OutgoingMessage[][] = [];
  for (let start = 0; start < N; start += BATCH) {
    const batch: OutgoingMessage[] = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++) {
      const symbol = KEYS[i % KEYS.length] as string;
      const candle = {
        v: 1,
        symbol,
        resolution: "1",
        openTime: 1_700_000_000_000 + i * 60_000,
        open: 100_000 + i,
        high: 100_010 + i,
        low: 99_990 + i,
        close: 100_005 + i,
        volume: 1.2345,
        fetchedAt: 1_700_000_000_000,
      };
      batch.push({ key: symbol, value: JSON.stringify(candle) });
    }
    out.push(batch);
  }
  return out;
}

const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString("en-US")} msg/s`;

async function run(name: "memory" | "kafka", bus: Bus, topic: string): Promise<void> {
  const batches = messages();
  await bus.ensureTopics([{ name: topic, partitions: 3 }]);
  // Connect the producer and let the JIT warm up outside the timing (the first sends are much slower).
  const warmup = batches.slice(0, 20);
  for (const batch of warmup) await bus.publish(topic, batch);
  const total = 2 * N + warmup.length * BATCH;
  const publishStart = performance.now();
  for (const batch of batches) await bus.publish(topic, batch);
  const publishMs = performance.now() - publishStart;
  // The same messages again from 4 concurrent publishers (a service with several batches in flight).
  const concurrentStart = performance.now();
  await Promise.all(
    [0, 1, 2, 3].map(async (lane) => {
      for (let i = lane; i < batches.length; i += 4) await bus.publish(topic, batches[i] ?? []);
    }),
  );
  const concurrentMs = performance.now() - concurrentStart;

  let seen = 0;
  let batchCount = 0;
  let firstAt = 0;
  const consumeStart = performance.now();
  const sub = await bus.subscribe({
    groupId: uniqueName("bench"),
    topics: [topic],
    onBatch: async (b) => {
      if (seen === 0) firstAt = performance.now();
      seen += b.messages.length;
      batchCount++;
    },
  });
  await waitFor(`${name}: all messages consumed`, () => (seen >= total ? true : undefined), 60_000, 5);
  const consumeEnd = performance.now();
  await sub.stop();
  const steadyMs = consumeEnd - firstAt;
  report(`bus.${name}PublishPerSecond`, (N / publishMs) * 1000);
  report(`bus.${name}ConsumePerSecond`, (total / steadyMs) * 1000);
  console.log(
    `${name.padEnd(7)} publish ${rate(N, publishMs).padStart(14)} (${BATCH}/call, sequential)` +
      `  ${rate(N, concurrentMs).padStart(14)} (4 concurrent)` +
      `   consume ${rate(total, steadyMs).padStart(14)} after first batch` +
      ` (${(consumeEnd - consumeStart).toFixed(0)} ms incl. join, ${batchCount} batches)`,
  );
}

export async function bench(): Promise<void> {
  // Everything is published before the group subscribes: retain it all (the default cap of 100k per
  // partition would drop the oldest, as Kafka's retention would).
  const memory = new MemoryBus({ maxRetainedPerPartition: 1_000_000 });
  await run("memory", memory, "bench_memory");
  await memory.close();

  const config = loadConfig({});
  await requireInfra(config);
  const kafka = new KafkaBus(config);
  const topic = uniqueName("bench_bus");
  try {
    await run("kafka", kafka, topic);
  } finally {
    await (await kafka.admin()).deleteTopics({ topics: [topic] }).catch(() => {});
    await kafka.close();
  }
}

if (import.meta.main) await bench();
