import { Kafka, logLevel, Partitioners } from "kafkajs";
import { Registry } from "prom-client";
import type { CandleInput } from "../../indicators/index.ts";
import { startProcessor } from "../../processor/processor.ts";
import { kafkaRequestChunks } from "../../shared/adapters/kafka/kafka-request-chunks.ts";
import { topicFor } from "../../shared/core/config.ts";
import { silentLogger } from "../../shared/core/log.ts";
import { requireInfra, waitFor } from "../../shared/testing/integration.ts";
import { report } from "../results.ts";
import {
  bus,
  fillInputs,
  finish,
  median,
  newRun,
  PER_SYMBOL,
  perSec,
  ROUNDS,
  type Run,
  SYMBOLS,
  series,
  timedBus,
} from "./harness.ts";

export async function timeProcessor(
  data: Map<string, CandleInput[]>,
  total: number,
): Promise<{ ms: number; run: Run }> {
  const run = newRun("bench_proc");
  await fillInputs(run, data);
  let start = 0;
  let done = 0;
  let end = 0;
  const b = timedBus(
    bus(run),
    (batch) => {
      done += batch.messages.length;
      if (done >= total) end = performance.now();
    },
    () => {
      start = performance.now();
    },
  );
  const processor = await startProcessor({
    config: run.config,
    bus: b,
    logger: silentLogger,
    registry: new Registry(),
  });
  run.cleanup.push(() => processor.stop());
  await waitFor("processor done", () => (end > 0 ? true : undefined), 120_000, 5);
  return { ms: end - start, run };
}

/**
 * The baseline: a bare kafkajs consumer→producer moving the same messages from the same input
 * partitions, with what the processor's KafkaBus uses too — the same fetch wait, partitions handled
 * concurrently, idempotent acks=all producer with the same partitioner, the same split into produce
 * requests (kafkaRequestChunks), the offset committed after each batch's sends were acknowledged —
 * and nothing else: no parsing, no state, no metrics.
 */
async function timePassthrough(data: Map<string, CandleInput[]>, total: number): Promise<number> {
  const run = newRun("bench_pass");
  await fillInputs(run, data);
  const out = `${run.config.OUTPUT_TOPIC}_bare`;
  const kafka = new Kafka({ brokers: [...run.config.KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: out }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({
    groupId: `${run.config.PROCESSOR_GROUP}_bare`,
    maxWaitTimeInMs: 1000,
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: SYMBOLS.map((s) => topicFor(run.config, s)), fromBeginning: true });
  let start = 0;
  let done = 0;
  let end = 0;
  await consumer.run({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      if (start === 0) start = performance.now();
      const messages = batch.messages.map((m) => ({ key: m.key, value: m.value }));
      for (const chunk of kafkaRequestChunks(messages))
        await producer.send({ topic: out, acks: -1, messages: chunk });
      done += batch.messages.length;
      if (done >= total) end = performance.now();
    },
  });
  try {
    await waitFor("passthrough done", () => (end > 0 ? true : undefined), 120_000, 5);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await finish(run, [out]);
  }
  return end - start;
}

/**
 * One warm-up pair (JIT, connections, broker caches), then ROUNDS interleaved pairs whose order
 * alternates, so drift on a shared machine hits both alike. Each round's ratio is printed; the
 * verdict is the median ratio.
 */
export async function benchProcessor(): Promise<Run> {
  const data = new Map(SYMBOLS.map((s) => [s, series(s, PER_SYMBOL)]));
  const total = SYMBOLS.length * PER_SYMBOL;
  const proc: number[] = [];
  const bare: number[] = [];
  const ratios: number[] = [];
  let keep: Run | undefined;
  const processorRound = async () => {
    const { ms, run } = await timeProcessor(data, total);
    if (keep) await finish(run);
    else keep = run; // its output topic feeds the sink benchmark
    return ms;
  };
  await finish((await timeProcessor(data, total)).run);
  await timePassthrough(data, total);
  for (let r = 0; r < ROUNDS; r++) {
    let p: number;
    let b: number;
    if (r % 2 === 0) {
      p = await processorRound();
      b = await timePassthrough(data, total);
    } else {
      b = await timePassthrough(data, total);
      p = await processorRound();
    }
    proc.push(p);
    bare.push(b);
    ratios.push(b / p);
    console.log(
      `  round ${r + 1}: processor ${perSec(total, p)}/s  passthrough ${perSec(total, b)}/s  ratio ${(b / p).toFixed(2)}`,
    );
  }
  console.log(
    `processor (real Kafka)          ${perSec(total, median(proc))} candles/s  (median of ${ROUNDS} x ${total}, after a warm-up round)`,
  );
  console.log(`bare kafkajs consume->produce   ${perSec(total, median(bare))} msgs/s`);
  console.log(
    `ratio processor / passthrough   ${median(ratios).toFixed(2)}   (median of the rounds' ratios; target >= 0.8)`,
  );
  report("pipeline.processorCandlesPerSecond", (total * 1000) / median(proc));
  report("pipeline.passthroughPerSecond", (total * 1000) / median(bare));
  report("pipeline.processorRatio", median(ratios));
  return keep as Run;
}

/** The processor part alone (for profiling and quick checks). */
export async function benchProcessorAlone(): Promise<void> {
  await requireInfra();
  await finish(await benchProcessor());
}
