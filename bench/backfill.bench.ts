/**
 * A full backfill through the distributed pipeline: a year of 1-minute candles for 5 symbols
 * (5 x 525,600 = 2,628,000), a seeded synthetic history served by the fake Nobitex (UDF semantics: at
 * most 500 per answer) → ingest's start-up backfill → Kafka → processor → Kafka → sink → QuestDB, until
 * every row is queryable (count over PG wire, WAL applied). Ingest, processor and sink run as child
 * processes (`bun cli/main.ts <service>`), as in production: each has its own event loop and core
 * time, and none of them shares one with the fake server or this driver, which only serves pages and
 * watches topic offsets and the row count. Downstream starts first (ready on /readyz), then the clock
 * starts with ingest's spawn.
 *
 * BACKFILL_CANDLES is a few minutes over a year, so a minute turning between the fake's start and the
 * backfill loses no candle: the fake holds exactly a year, and the extra minutes before it are empty.
 * Printed: when ingest had published everything, when the processor had produced everything, when the
 * sink had written everything (so a miss is explained), the sink's and processor's batches, and a bare
 * ILP write of the same rows into a table of its own (bench/bare-ilp.ts, batches of BARE_BATCH) for
 * the ratio (target >= 0.7). Also printed: each child's CPU seconds (user + system) and peak RSS, and
 * for the pipeline and the bare write alike the machine's busy and idle core-seconds and Kafka's and
 * QuestDB's CPU (bench/cpu-accounting.ts), which say whether a run was bound by the cores or by waiting.
 * Bounded: fails with the stage it was waiting for after 15 minutes; topics, groups and tables are
 * removed afterwards.
 *
 * `BENCH_CPU_PROF=ingest,processor,sink` (any of them) starts those children with `bun --cpu-prof`;
 * their profiles are written to `.shamdan/bench-logs/<run>/` and kept.
 */
import os from "node:os";
import { Sender } from "@questdb/nodejs-client";
import type { Subprocess } from "bun";
import { Kafka, logLevel } from "kafkajs";
import { type FakeNobitex, startFakeNobitex } from "../ingest/fake-nobitex.ts";
import {
  deleteKafkaResources,
  expectedRows,
  isolatedOverrides,
  questDb,
  REPO_ROOT,
  runTopics,
} from "../processor/testing/pipeline-harness.ts";
import { ilpConfForBatches } from "../shared/adapters/questdb/ilp-writer.ts";
import { QuestDbStore } from "../shared/adapters/questdb/questdb-store.ts";
import { columnNames } from "../shared/adapters/store-columns.ts";
import { type Config, topicFor } from "../shared/core/config.ts";
import { requireInfra, testConfig, uniqueName, waitFor } from "../shared/testing/integration.ts";
import { walApplied } from "../shared/testing/wal-applied.ts";
import { writeBareIlp } from "./bare-ilp.ts";
import { cpuSince, sampleCpu } from "./cpu-accounting.ts";
import { report } from "./results.ts";

const SYMBOLS = ["BTCIRT", "ETHIRT", "USDTIRT", "ETCIRT", "SHIBIRT"];
const PER_SYMBOL = 525_600;
const TOTAL = SYMBOLS.length * PER_SYMBOL;
const TIME_LIMIT_MS = 15 * 60_000;
const BARE_BATCH = 10_000;

/** A port nothing listens on now (for the children's health servers). */
function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port as number;
  probe.stop(true);
  return port;
}

interface Child {
  name: string;
  process: Subprocess;
  healthUrl: string;
  log: string;
}

/** Children started with `bun --cpu-prof` (BENCH_CPU_PROF, comma-separated service names). */
const PROFILED = new Set((Bun.env.BENCH_CPU_PROF ?? "").split(",").filter((name) => name.length > 0));

function spawnService(name: string, env: Record<string, string>, logDir: string): Child {
  const port = freePort();
  const log = `${logDir}/${name}.log`;
  const profile = PROFILED.has(name)
    ? ["--cpu-prof", `--cpu-prof-dir=${logDir}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  const process = Bun.spawn(["bun", ...profile, "cli/main.ts", name], {
    cwd: REPO_ROOT,
    env: { ...Bun.env, ...env, HEALTH_PORT: String(port) },
    stdout: Bun.file(log),
    stderr: Bun.file(`${log}.err`),
  });
  return { name, process, healthUrl: `http://127.0.0.1:${port}`, log };
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null) return;
  child.process.kill("SIGTERM");
  const exited = await Promise.race([
    child.process.exited.then(() => true),
    Bun.sleep(20_000).then(() => false),
  ]);
  if (!exited) child.process.kill("SIGKILL");
}

/** The 1-minute load average, which says how much the other work on the machine took. */
const loadAverage = () => os.loadavg()[0]?.toFixed(1) ?? "?";

const secondsSince = (start: number, at: number) => ((at - start) / 1000).toFixed(1).padStart(6);

export async function bench(): Promise<void> {
  const prefix = uniqueName("bench_backfill");
  const overrides = isolatedOverrides(prefix, SYMBOLS);
  const config = testConfig(overrides);
  await requireInfra(config);
  const logDir = `${REPO_ROOT}/.shamdan/bench-logs/${prefix}`;
  await Bun.$`mkdir -p ${logDir}`.quiet();
  const children: Child[] = [];
  let fake: FakeNobitex | undefined;
  const kafka = new Kafka({ brokers: [...config.KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const db = questDb(config);
  const bareTable = `${prefix}_bare`;
  try {
    await admin.connect();
    fake = await startFakeNobitex({
      dataDir: REPO_ROOT,
      synthetic: { symbols: SYMBOLS, count: PER_SYMBOL, seed: 1 },
    });
    const env = {
      ...overrides,
      NOBITEX_BASE_URL: fake.url,
      LIVE_SOURCE: "poll",
      // Only the backfill: the schedule fires once a year.
      POLL_CRON: "0 0 0 1 1 *",
      BACKFILL_CANDLES: String(PER_SYMBOL + 5),
      POLL_CONCURRENCY: String(SYMBOLS.length),
      LOG_LEVEL: "info",
    };
    const deadline = Date.now() + TIME_LIMIT_MS;
    const remaining = () => Math.max(1, deadline - Date.now());
    const fail = (stage: string, detail: string) => {
      throw new Error(
        `backfill bench: ${stage} not done within ${TIME_LIMIT_MS / 60_000} minutes (${detail}); logs in ${logDir}`,
      );
    };

    for (const name of ["sink", "processor"]) children.push(spawnService(name, env, logDir));
    for (const child of children)
      await waitFor(
        `${child.name} ready`,
        async () => ((await fetch(`${child.healthUrl}/readyz`)).ok ? true : undefined),
        60_000,
        200,
      );

    const offsets = async (topics: string[]) => {
      let sum = 0;
      for (const topic of topics)
        for (const p of await admin.fetchTopicOffsets(topic).catch(() => [])) sum += Number(p.high);
      return sum;
    };
    const inputTopics = SYMBOLS.map((s) => topicFor(config, s));
    const cpuAtStart = sampleCpu();
    const start = performance.now();
    children.push(spawnService("ingest", env, logDir));
    let published = 0;
    let produced = 0;
    let stored = 0;
    const marks: { ingest?: number; processor?: number; sink?: number } = {};
    while (marks.sink === undefined) {
      if (Date.now() > deadline)
        fail(
          marks.ingest === undefined ? "ingest" : marks.processor === undefined ? "processor" : "sink",
          `published ${published}, produced ${produced}, stored ${stored} of ${TOTAL}`,
        );
      for (const child of children)
        if (child.process.exitCode !== null)
          throw new Error(`${child.name} exited (${child.process.exitCode}); see ${child.log}.err`);
      if (marks.ingest === undefined) {
        published = await offsets(inputTopics);
        if (published >= TOTAL) marks.ingest = performance.now();
      }
      if (marks.processor === undefined) {
        produced = await offsets([config.OUTPUT_TOPIC]);
        if (produced >= TOTAL) marks.processor = performance.now();
      }
      if (marks.processor !== undefined) {
        stored = await db.count().catch(() => 0);
        if (stored >= TOTAL) marks.sink = performance.now();
      }
      if (marks.sink === undefined) await Bun.sleep(250);
    }
    await walApplied(config, remaining());
    const pipelineCpu = cpuSince(cpuAtStart);
    stored = await db.count();
    const wallSeconds = ((marks.sink as number) - start) / 1000;
    const meanBatchOf = async (child: Child | undefined, histogram: string) => {
      const metrics = await (await fetch(`${child?.healthUrl}/metrics`)).text();
      const metric = (name: string) =>
        Number(new RegExp(`^${name} (\\S+)$`, "m").exec(metrics)?.[1] ?? Number.NaN);
      return {
        mean: metric(`${histogram}_sum`) / metric(`${histogram}_count`),
        count: metric(`${histogram}_count`),
      };
    };
    const sinkBatch = await meanBatchOf(children[0], "shamdan_sink_batch_size");
    const processorBatch = await meanBatchOf(children[1], "shamdan_processor_batch_size");
    const [deadLetters] = [await offsets([config.DEAD_LETTER_TOPIC])];
    const stopped = children.splice(0).reverse();
    for (const child of stopped) await stopChild(child);
    const cpuSeconds = stopped
      .reverse()
      .map((child) => {
        const usage = child.process.resourceUsage();
        const seconds = usage ? Number(usage.cpuTime.total) / 1e6 : Number.NaN;
        const peakMiB = usage ? usage.maxRSS / 1024 / 1024 : Number.NaN;
        return `${child.name} ${seconds.toFixed(1)} s, peak RSS ${Math.round(peakMiB)} MiB`;
      })
      .join(", ");

    // The bare ILP baseline: the rows the pipeline stored (computed here), written by one Sender.
    const bareConfig: Config = { ...config, QUESTDB_TABLE: bareTable };
    const init = new QuestDbStore(bareConfig);
    await init.init();
    await init.close();
    const cols = columnNames(config);
    const sender = await Sender.fromConfig(ilpConfForBatches(config.QUESTDB_ILP_CONF));
    let bareMs = 0;
    const cpuBeforeBare = sampleCpu();
    let bareCpuMicros = 0;
    for (const symbol of SYMBOLS) {
      const rows = expectedRows(config, symbol, fake.expected(symbol));
      const began = performance.now();
      const cpuBefore = process.cpuUsage();
      for (let i = 0; i < rows.length; i += BARE_BATCH) {
        sender.reset();
        await writeBareIlp(sender, bareTable, cols, rows.slice(i, i + BARE_BATCH));
      }
      const cpu = process.cpuUsage(cpuBefore);
      bareCpuMicros += cpu.user + cpu.system;
      bareMs += performance.now() - began;
    }
    await sender.close();
    const bareStarted = performance.now();
    await walApplied(bareConfig, remaining());
    bareMs += performance.now() - bareStarted;
    const bareCpu = cpuSince(cpuBeforeBare);

    const candlesPerSecond = TOTAL / wallSeconds;
    const bareIlpPerSecond = (TOTAL * 1000) / bareMs;
    console.log(
      `backfill: ${TOTAL.toLocaleString("en-US")} candles (${SYMBOLS.length} symbols x a year of minutes), fake Nobitex -> ingest -> Kafka -> processor -> Kafka -> sink -> QuestDB, child processes`,
    );
    console.log(`  ingest published everything      ${secondsSince(start, marks.ingest as number)} s`);
    console.log(`  processor produced everything    ${secondsSince(start, marks.processor as number)} s`);
    console.log(
      `  sink: every row queryable        ${secondsSince(start, marks.sink as number)} s  (${stored.toLocaleString("en-US")} rows, ${deadLetters} dead letters)`,
    );
    console.log(
      `  fake Nobitex: ${fake.stats.requests} requests; sink ${sinkBatch.count} batches of ${Math.round(sinkBatch.mean)} rows, processor ${processorBatch.count} of ${Math.round(processorBatch.mean)} candles`,
    );
    console.log(`  CPU (user + system) and memory: ${cpuSeconds}; load average ${loadAverage()}`);
    console.log(`  CPU while the pipeline ran: ${pipelineCpu}`);
    console.log(
      `backfill                        ${Math.round(candlesPerSecond).toLocaleString("en-US").padStart(9)} candles/s  (${wallSeconds.toFixed(1)} s wall)`,
    );
    console.log(
      `bare ILP, same rows             ${Math.round(bareIlpPerSecond).toLocaleString("en-US").padStart(9)} rows/s  (batches of ${BARE_BATCH}, until WAL applied; ${(bareCpuMicros / 1e6).toFixed(1)} CPU s in this process; load average ${loadAverage()})`,
    );
    console.log(`  CPU while the bare write ran: ${bareCpu}`);
    console.log(
      `ratio backfill / bare ILP       ${(candlesPerSecond / bareIlpPerSecond).toFixed(2)}   (target >= 0.7; 2 shared cores: noisy)`,
    );
    if (stored !== TOTAL) throw new Error(`backfill bench: ${stored} rows stored, expected ${TOTAL}`);
    report("backfill.candles", TOTAL);
    report("backfill.wallSeconds", wallSeconds);
    report("backfill.candlesPerSecond", candlesPerSecond);
    report("backfill.bareIlpPerSecond", bareIlpPerSecond);
    report("backfill.ratioToBareIlp", candlesPerSecond / bareIlpPerSecond);
    // The children's logs are kept only when a run fails (its message names the folder) or was profiled.
    if (PROFILED.size === 0) await Bun.$`rm -rf ${logDir}`.quiet();
    else console.log(`  CPU profiles in ${logDir}`);
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    await fake?.stop();
    await admin.disconnect().catch(() => {});
    await db.drop();
    await db.sql.unsafe(`DROP TABLE IF EXISTS "${bareTable}"`).catch(() => {});
    await db.close();
    await deleteKafkaResources(config, runTopics(config), [config.PROCESSOR_GROUP, config.SINK_GROUP]);
  }
}

if (import.meta.main) await bench();
