/**
 * Pipeline benchmarks, on the real Kafka and QuestDB:
 * 1. processor throughput (candles/s, first batch to last row acknowledged) vs a bare kafkajs
 *    consume→produce passthrough of the same messages, interleaved rounds; ratio target >= 0.8;
 * 2. sink throughput (rows/s from a pre-filled output topic into QuestDB, first write to last ack) vs a
 *    bare ILP Sender writing the same rows in the same batches, interleaved rounds; ratio target >= 0.8;
 * 3. end-to-end latency publish → row queryable in QuestDB at a steady 1,000 candles/s for 20 s
 *    (p50/p99, target p99 < 1 s). Visibility is polled every 20 ms: latencies carry up to that much error.
 * Bounded (90k candles per round, 20k in the latency run); every topic, group and table is removed.
 */
import { Sender } from "@questdb/nodejs-client";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { Registry } from "prom-client";
import type { CandleInput } from "../indicators/index.ts";
import { startProcessor } from "../processor/processor.ts";
import {
  deleteKafkaResources,
  isolatedOverrides,
  publishCandles,
  questDb,
  recordedCandles,
  runTopics,
} from "../processor/testing/pipeline-harness.ts";
import { KafkaBus } from "../shared/adapters/kafka/kafka-bus.ts";
import { kafkaRequestChunks } from "../shared/adapters/kafka/kafka-request-chunks.ts";
import { ilpConfForBatches } from "../shared/adapters/questdb/ilp-writer.ts";
import { QuestDbStore } from "../shared/adapters/questdb/questdb-store.ts";
import { columnNames } from "../shared/adapters/store-columns.ts";
import type { Batch, Bus } from "../shared/core/bus.ts";
import { type Config, topicFor } from "../shared/core/config.ts";
import { silentLogger } from "../shared/core/log.ts";
import type { IndicatorRow } from "../shared/core/messages.ts";
import { NUMERIC_FIELDS, type StoreWriter } from "../shared/core/store.ts";
import { requireInfra, testConfig, uniqueName, waitFor } from "../shared/testing/integration.ts";
import { startSink } from "../sink/sink.ts";

const SYMBOLS = ["ETCBTC", "ETHBTC", "XRPETH"] as const;
/**
 * 30,000 per symbol: with compressed topics a fetch brings ~30,000 candles per partition, so rounds
 * of 10,000 were one batch each (~0.25 s) and measured mostly the ramp-up.
 */
const PER_SYMBOL = 30_000;
/** Single rounds on a shared 2-vCPU box swing by +-0.1 in ratio; 15 give a steadier median. */
const ROUNDS = 15;

/** Recorded candles repeated with later times until `count` (strictly increasing open times). */
function series(symbol: string, count: number): CandleInput[] {
  const base = recordedCandles(symbol, 20_000);
  const span = (base.at(-1)?.openTime ?? 0) - (base[0]?.openTime ?? 0) + 60_000;
  return Array.from({ length: count }, (_, i) => {
    const c = base[i % base.length] as CandleInput;
    return { ...c, openTime: c.openTime + Math.floor(i / base.length) * span };
  });
}

interface Run {
  config: Config;
  cleanup: (() => Promise<unknown>)[];
}
function newRun(prefix: string): Run {
  return { config: testConfig(isolatedOverrides(uniqueName(prefix), SYMBOLS)), cleanup: [] };
}
async function finish(run: Run, extraTopics: string[] = []) {
  for (const fn of run.cleanup.reverse()) await fn().catch(() => {});
  const db = questDb(run.config);
  await db.drop();
  await db.close();
  await deleteKafkaResources(
    run.config,
    [...runTopics(run.config), ...extraTopics],
    [run.config.PROCESSOR_GROUP, run.config.SINK_GROUP, `${run.config.PROCESSOR_GROUP}_bare`],
  );
}
function bus(run: Run): KafkaBus {
  const b = new KafkaBus(run.config, { logger: silentLogger });
  run.cleanup.push(() => b.close());
  return b;
}
async function fillInputs(run: Run, data: Map<string, CandleInput[]>) {
  const b = bus(run);
  await b.ensureTopics(SYMBOLS.map((s) => ({ name: topicFor(run.config, s) })));
  for (const [symbol, candles] of data) await publishCandles(b, run.config, symbol, candles, 1000);
}

/** A Bus whose subscriptions report when their first batch starts and how many messages settled. */
function timedBus(inner: Bus, onBatchDone: (batch: Batch) => void, onFirst: () => void): Bus {
  let first = true;
  return {
    ensureTopics: (t) => inner.ensureTopics(t),
    publish: (t, m) => inner.publish(t, m),
    readLatestByKey: (t, o) => inner.readLatestByKey(t, o),
    close: () => inner.close(),
    subscribe: (o) =>
      inner.subscribe({
        ...o,
        onBatch: async (batch, ctx) => {
          if (first) {
            first = false;
            onFirst();
          }
          await o.onBatch(batch, ctx);
          onBatchDone(batch);
        },
      }),
  };
}

async function timeProcessor(
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
async function benchProcessor(): Promise<Run> {
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
  return keep as Run;
}

/** One sink round: a fresh group reads the whole output topic into a fresh table; the batches it wrote. */
async function timeSink(source: Run, total: number): Promise<{ ms: number; batches: IndicatorRow[][] }> {
  const prefix = uniqueName("bench_sink");
  const config: Config = { ...source.config, SINK_GROUP: `${prefix}_sink`, QUESTDB_TABLE: `${prefix}_data` };
  const store = new QuestDbStore(config);
  const kafka = new KafkaBus(config, { logger: silentLogger });
  const batches: IndicatorRow[][] = [];
  let start = 0;
  let written = 0;
  let end = 0;
  const recording: StoreWriter = {
    init: () => store.init(),
    close: () => store.close(),
    async write(rows) {
      if (start === 0) start = performance.now();
      await store.write(rows);
      batches.push(rows as IndicatorRow[]); // the sink builds a new array per batch
      written += rows.length;
      if (written >= total) end = performance.now();
    },
  };
  const sink = await startSink({
    config,
    bus: kafka,
    store: recording,
    logger: silentLogger,
    registry: new Registry(),
  });
  try {
    await waitFor("sink done", () => (end > 0 ? true : undefined), 180_000, 5);
  } finally {
    await sink.stop();
    await kafka.close();
    await store.close();
    await dropTable(config);
    await deleteKafkaResources(config, [], [config.SINK_GROUP]);
  }
  return { ms: end - start, batches };
}

/**
 * The baseline: a bare ILP Sender writing the same rows in the same batches into a fresh table, the
 * way IlpWriter does (same configuration, one flush per batch, sender created on the first write),
 * with no Kafka, parsing, dedup or metrics.
 */
async function timeBareIlp(source: Run, batches: readonly IndicatorRow[][]): Promise<number> {
  const config: Config = { ...source.config, QUESTDB_TABLE: `${uniqueName("bench_ilp")}_data` };
  const table = config.QUESTDB_TABLE;
  const init = new QuestDbStore(config);
  await init.init();
  await init.close();
  const cols = columnNames(config);
  const started = performance.now();
  const sender = await Sender.fromConfig(ilpConfForBatches(config.QUESTDB_ILP_CONF));
  for (const batch of batches) {
    sender.reset();
    for (const r of batch) {
      sender.table(table).symbol("stock_symbol", r.symbol).symbol("signal", r.signal);
      for (const f of NUMERIC_FIELDS) {
        const value = r[f];
        if (value !== null) sender.floatColumn(cols[f], value);
      }
      sender.booleanColumn("signal_changed", r.signalChanged);
      await sender.at(r.openTime, "ms");
    }
    await sender.flush();
  }
  const ms = performance.now() - started;
  await sender.close();
  await dropTable(config);
  return ms;
}

async function dropTable(config: Config) {
  const db = questDb(config);
  await db.drop();
  await db.close();
}

/**
 * Sink vs bare ILP like the processor part: a warm-up pair, then ROUNDS interleaved pairs whose order
 * alternates. Each bare round replays the batches of the latest sink round (same rows, same batch
 * sizes); each round's ratio is printed and the verdict is the median ratio.
 */
async function benchSink(run: Run): Promise<void> {
  const total = SYMBOLS.length * PER_SYMBOL;
  let { batches } = await timeSink(run, total);
  await timeBareIlp(run, batches);
  const sinkMs: number[] = [];
  const bareMs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let s: number;
    let b: number;
    if (r % 2 === 0) {
      ({ ms: s, batches } = await timeSink(run, total));
      b = await timeBareIlp(run, batches);
    } else {
      b = await timeBareIlp(run, batches);
      ({ ms: s, batches } = await timeSink(run, total));
    }
    sinkMs.push(s);
    bareMs.push(b);
    ratios.push(b / s);
    console.log(
      `  round ${r + 1}: sink ${perSec(total, s)}/s  bare ILP ${perSec(total, b)}/s  ratio ${(b / s).toFixed(2)}  (${batches.length} batches)`,
    );
  }
  console.log(
    `sink (Kafka -> QuestDB)         ${perSec(total, median(sinkMs))} rows/s  (median of ${ROUNDS} x ${total}, first write to last ack)`,
  );
  console.log(`bare ILP Sender, same batches   ${perSec(total, median(bareMs))} rows/s`);
  console.log(
    `ratio sink / bare ILP           ${median(ratios).toFixed(2)}   (median of the rounds' ratios; target >= 0.8)`,
  );
}

/** The processor part alone (for profiling and quick checks). */
export async function benchProcessorAlone(): Promise<void> {
  await requireInfra();
  await finish(await benchProcessor());
}

/** The sink part alone (for profiling): one processor run fills the output topic. */
export async function benchSinkAlone(): Promise<void> {
  await requireInfra();
  const data = new Map(SYMBOLS.map((s) => [s, series(s, PER_SYMBOL)]));
  const { run } = await timeProcessor(data, SYMBOLS.length * PER_SYMBOL);
  try {
    await benchSink(run);
  } finally {
    await finish(run);
  }
}

export async function benchLatency(): Promise<void> {
  const RATE = 1000;
  const SECONDS = 20;
  const run = newRun("bench_lat");
  try {
    const perSymbol = Math.ceil((RATE * SECONDS) / SYMBOLS.length) + 1000;
    const data = new Map(SYMBOLS.map((s) => [s, series(s, perSymbol)]));
    const processor = await startProcessor({
      config: run.config,
      bus: bus(run),
      logger: silentLogger,
      registry: new Registry(),
    });
    run.cleanup.push(() => processor.stop());
    const store = new QuestDbStore(run.config);
    run.cleanup.push(() => store.close());
    const sink = await startSink({
      config: run.config,
      bus: bus(run),
      store,
      logger: silentLogger,
      registry: new Registry(),
    });
    run.cleanup.push(() => sink.stop());
    const publisher = bus(run);
    const db = questDb(run.config);
    run.cleanup.push(() => db.close());
    const maxVisible = async () => {
      const rows = await db.sql.unsafe(
        `SELECT stock_symbol, cast(max(local_time) AS long) / 1000 AS t FROM "${run.config.QUESTDB_TABLE}"`,
      );
      return new Map(rows.map((r) => [String(r.stock_symbol), Number(r.t)]));
    };
    // Warm-up: the first 50 candles of each symbol, until visible (group joins, table creation, JIT).
    for (const [s, c] of data) await publishCandles(publisher, run.config, s, c.slice(0, 50));
    await waitFor(
      "warm-up visible",
      async () => ((await maxVisible()).size === SYMBOLS.length ? true : undefined),
      60_000,
      50,
    );

    // Per symbol, in publish order: open time and publish time; `next` = first one not yet seen.
    const published = new Map<string, { t: number; at: number }[]>(
      SYMBOLS.map((sym) => [sym, [] as { t: number; at: number }[]]),
    );
    const next = new Map<string, number>(SYMBOLS.map((sym) => [sym, 0]));
    const latencies: number[] = [];
    const cursor = new Map(SYMBOLS.map((sym) => [sym, 50]));
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const visible = await maxVisible().catch(() => new Map<string, number>());
        const now = performance.now();
        for (const [symbol, t] of visible) {
          const list = published.get(symbol) ?? [];
          let i = next.get(symbol) ?? 0;
          for (; i < list.length && (list[i]?.t ?? Infinity) <= t; i++)
            latencies.push(now - (list[i]?.at ?? now));
          next.set(symbol, i);
        }
        await Bun.sleep(20);
      }
    })();
    // 50 candles every 50 ms: each tick's publishes (acknowledged, per-symbol order kept) fit in the tick.
    const tick = 50;
    const begin = performance.now();
    for (let i = 0; i < (SECONDS * 1000) / tick; i++) {
      const due = begin + i * tick;
      const wait = due - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      await Promise.all(
        SYMBOLS.map(async (symbol, k) => {
          const n =
            (RATE * tick) / 1000 / SYMBOLS.length + (k < ((RATE * tick) / 1000) % SYMBOLS.length ? 1 : 0);
          const from = cursor.get(symbol) ?? 0;
          cursor.set(symbol, from + Math.floor(n));
          const slice = data.get(symbol)?.slice(from, from + Math.floor(n)) ?? [];
          const at = performance.now();
          for (const c of slice) published.get(symbol)?.push({ t: c.openTime, at });
          await publishCandles(publisher, run.config, symbol, slice);
        }),
      );
    }
    const publishSeconds = (performance.now() - begin) / 1000;
    const count = [...published.values()].reduce((n, list) => n + list.length, 0);
    await waitFor("all visible", () => (latencies.length >= count ? true : undefined), 60_000, 50).catch(
      () => undefined,
    );
    polling = false;
    await poller;
    latencies.sort((a, b) => a - b);
    const q = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
    console.log(
      `latency publish -> queryable    p50 ${q(0.5).toFixed(0)} ms  p99 ${q(0.99).toFixed(0)} ms  max ${q(1).toFixed(0)} ms  (target p99 < 1000 ms)`,
    );
    console.log(
      `  ${count} candles in ${publishSeconds.toFixed(1)} s (${perSec(count, publishSeconds * 1000)}/s), ${latencies.length} seen, poll every 20 ms`,
    );
  } finally {
    await finish(run);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const perSec = (n: number, ms: number) =>
  Math.round((n / ms) * 1000)
    .toLocaleString("en-US")
    .padStart(9);

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
