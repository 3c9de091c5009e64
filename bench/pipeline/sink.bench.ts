/**
 * Sink throughput (rows/s from a pre-filled output topic into QuestDB, first write to last ack) vs a
 * bare ILP Sender writing the same rows in the same batches, interleaved rounds; ratio target >= 0.8.
 */
import { Sender } from "@questdb/nodejs-client";
import { Registry } from "prom-client";
import { deleteKafkaResources, questDb } from "../../processor/testing/pipeline-harness.ts";
import { KafkaBus } from "../../shared/adapters/kafka/kafka-bus.ts";
import { ilpConfForBatches } from "../../shared/adapters/questdb/ilp-writer.ts";
import { QuestDbStore } from "../../shared/adapters/questdb/questdb-store.ts";
import { columnNames } from "../../shared/adapters/store-columns.ts";
import type { Config } from "../../shared/core/config.ts";
import { silentLogger } from "../../shared/core/log.ts";
import type { IndicatorRow } from "../../shared/core/messages.ts";
import type { StoreWriter } from "../../shared/core/store.ts";
import { requireInfra, uniqueName, waitFor } from "../../shared/testing/integration.ts";
import { startSink } from "../../sink/sink.ts";
import { writeBareIlp } from "../bare-ilp.ts";
import { report } from "../results.ts";
import { finish, median, PER_SYMBOL, perSec, ROUNDS, type Run, SYMBOLS, series } from "./harness.ts";
import { timeProcessor } from "./processor.bench.ts";

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
    await writeBareIlp(sender, table, cols, batch);
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
export async function benchSink(run: Run): Promise<void> {
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
  report("pipeline.sinkRowsPerSecond", (total * 1000) / median(sinkMs));
  report("pipeline.sinkBareIlpPerSecond", (total * 1000) / median(bareMs));
  report("pipeline.sinkRatio", median(ratios));
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
