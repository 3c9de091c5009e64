/**
 * End to end on the REAL Kafka and QuestDB: recorded candles → symbol topics →
 * processor → output topic → sink → QuestDB, then every stored row is compared with `computeSeries` on
 * the same candles: none missing, none duplicated, every value equal (1e-9 relative). Three runs: plain,
 * two processor replicas (child processes) with a kill -9 of one mid-stream, and QuestDB stopped and
 * restarted mid-stream. Each run has its own topics, groups and table, removed afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CandleInput } from "@shamdan/indicators";
import { KafkaBus } from "@shamdan/shared/adapters/kafka/kafka-bus";
import { QuestDbStore } from "@shamdan/shared/adapters/questdb/questdb-store";
import type { Config } from "@shamdan/shared/core/config";
import { silentLogger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
import { Registry } from "prom-client";
import { infraDown, infraUp } from "../cli/infra/infra.ts";
import { loadInfraConfig } from "../cli/infra/infra-config.ts";
// The end-to-end test is the one place that wires both services (tests only; services never import each other).
import { startSink } from "../sink/sink.ts";
import { startProcessor } from "./processor.ts";
import {
  compareRows,
  deleteKafkaResources,
  expectedRows,
  isolatedOverrides,
  publishCandles,
  questDb,
  RECORDED_SYMBOLS,
  REPO_ROOT,
  recordedCandles,
  runTopics,
} from "./testing/pipeline-harness.ts";

const PER_SYMBOL = 3000;
const logDir = mkdtempSync(join(tmpdir(), "shamdan-pipeline-"));

interface Run {
  config: Config;
  overrides: Record<string, string>;
  candles: Map<string, CandleInput[]>;
  expected: Map<string, IndicatorRow[]>;
  total: number;
  cleanup: (() => Promise<unknown>)[];
}

const runs: Run[] = [];

function newRun(perSymbol: number): Run {
  const overrides = isolatedOverrides(uniqueName("e2e"), RECORDED_SYMBOLS);
  const config = testConfig(overrides);
  const candles = new Map(RECORDED_SYMBOLS.map((s) => [s, recordedCandles(s, perSymbol)]));
  const expected = new Map(RECORDED_SYMBOLS.map((s) => [s, expectedRows(config, s, candles.get(s) ?? [])]));
  const total = [...expected.values()].reduce((n, rows) => n + rows.length, 0);
  const run: Run = { config, overrides, candles, expected, total, cleanup: [] };
  runs.push(run);
  return run;
}

async function finish(run: Run): Promise<void> {
  for (const fn of run.cleanup.reverse()) await fn().catch(() => {});
  run.cleanup = [];
  const db = questDb(run.config);
  await db.drop();
  await db.close();
  await deleteKafkaResources(run.config, runTopics(run.config), [
    run.config.PROCESSOR_GROUP,
    run.config.SINK_GROUP,
  ]);
}

function kafkaBus(run: Run): KafkaBus {
  const bus = new KafkaBus(run.config, { logger: silentLogger });
  run.cleanup.push(() => bus.close());
  return bus;
}

async function inProcessSink(run: Run, registry = new Registry()) {
  const store = new QuestDbStore(run.config);
  run.cleanup.push(() => store.close());
  const sink = await startSink({
    config: run.config,
    bus: kafkaBus(run),
    store,
    logger: silentLogger,
    registry,
    retry: { baseMs: 250, maxMs: 2000 },
  });
  run.cleanup.push(() => sink.stop());
  return sink;
}

async function inProcessProcessor(run: Run) {
  const processor = await startProcessor({
    config: run.config,
    bus: kafkaBus(run),
    logger: silentLogger,
    registry: new Registry(),
  });
  run.cleanup.push(() => processor.stop());
  return processor;
}

/** Publishes every symbol's candles in small chunks at a steady pace, so services work while it runs. */
async function publishPaced(
  run: Run,
  bus: KafkaBus,
  onProgress: (fraction: number) => Promise<void> = async () => {},
) {
  const chunk = 100;
  const longest = Math.max(...[...run.candles.values()].map((c) => c.length));
  for (let i = 0; i < longest; i += chunk) {
    for (const [symbol, candles] of run.candles)
      await publishCandles(bus, run.config, symbol, candles.slice(i, i + chunk));
    await onProgress(Math.min(1, (i + chunk) / longest));
    await Bun.sleep(25);
  }
}

/** Waits until QuestDB holds exactly the expected rows (bounded), then asserts it row by row. */
async function expectStoredRowsExact(run: Run, timeoutMs = 120_000): Promise<void> {
  const reader = new QuestDbStore(run.config);
  const problems = async () => {
    const found: string[] = [];
    for (const [symbol, expected] of run.expected) {
      const stored = await reader.rows(
        { symbol, from: 0, to: Number.MAX_SAFE_INTEGER },
        expected.length + 100,
      );
      found.push(...compareRows(stored, expected));
    }
    return found;
  };
  try {
    await waitFor(
      "every expected row in QuestDB",
      async () => ((await problems()).length === 0 ? true : undefined),
      timeoutMs,
      500,
    ).catch(() => undefined);
    const left = await problems();
    expect({ problems: left.length, first: left.slice(0, 10) }).toEqual({ problems: 0, first: [] });
  } finally {
    await reader.close();
  }
}

beforeAll(async () => {
  await requireInfra();
});

afterAll(async () => {
  for (const run of runs) await finish(run);
});

describe("pipeline on real Kafka + QuestDB", () => {
  test(`recorded candles (${RECORDED_SYMBOLS.length} x ${PER_SYMBOL}) land in QuestDB exactly as computeSeries says`, async () => {
    const run = newRun(PER_SYMBOL);
    await inProcessProcessor(run);
    await inProcessSink(run);
    const publisher = kafkaBus(run);
    // One undecodable message per topic first: dead-lettered, and the groups go on.
    for (const symbol of RECORDED_SYMBOLS)
      await publisher.publish(`${run.overrides.TOPIC_TEMPLATE?.replace("{symbol}", symbol.toLowerCase())}`, [
        { key: symbol, value: "garbage" },
      ]);
    for (const [symbol, candles] of run.candles) await publishCandles(publisher, run.config, symbol, candles);
    await expectStoredRowsExact(run);
    const letters = await publisher.readLatestByKey(run.config.DEAD_LETTER_TOPIC);
    expect(letters.size).toBe(RECORDED_SYMBOLS.length);
    await finish(run);
  }, 180_000);

  test("two processor replicas, one killed with SIGKILL mid-stream: same rows, none missing, none duplicated", async () => {
    const run = newRun(2000);
    const logs = [0, 1].map((i) => join(logDir, `${run.config.PROCESSOR_GROUP}-${i}.log`));
    const children = logs.map((log) => {
      const fd = openSync(log, "w");
      const child = Bun.spawn(["bun", "cli/main.ts", "processor"], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...run.overrides, HEALTH_PORT: "0", LOG_LEVEL: "info" },
        stdio: ["ignore", "ignore", fd],
      });
      closeSync(fd);
      run.cleanup.push(async () => {
        child.kill("SIGKILL");
        await child.exited;
      });
      return child;
    });
    const logOf = (i: number) => readFileSync(logs[i] as string, "utf8");
    await waitFor(
      "both replicas started",
      () => (logs.every((_, i) => logOf(i).includes("processor started")) ? true : undefined),
      60_000,
    );
    await inProcessSink(run);
    const publisher = kafkaBus(run);
    let killed = false;
    await publishPaced(run, publisher, async (fraction) => {
      if (killed || fraction < 0.4) return;
      killed = true;
      children[0]?.kill("SIGKILL");
      await children[0]?.exited;
    });
    expect(killed).toBe(true);
    await expectStoredRowsExact(run, 150_000);
    // The survivor took over the killed replica's partitions from their changelog state.
    expect(logOf(1)).toContain('"restored":true');
  }, 240_000);

  test("QuestDB stopped and restarted mid-stream: the sink pauses, retries, resumes; same rows", async () => {
    const run = newRun(2000);
    const infra = loadInfraConfig();
    try {
      await inProcessProcessor(run);
      const registry = new Registry();
      const sink = await inProcessSink(run, registry);
      const paused = async () =>
        (await registry.getSingleMetric("shamdan_sink_paused")?.get())?.values[0]?.value ?? 0;
      const publisher = kafkaBus(run);
      const db = questDb(run.config);
      run.cleanup.push(() => db.close());
      let stopped = false;
      await publishPaced(run, publisher, async (fraction) => {
        if (stopped || fraction < 0.3) return;
        stopped = true;
        await waitFor(
          "first rows in QuestDB",
          async () => ((await db.count()) > 0 ? true : undefined),
          60_000,
          200,
        );
        await infraDown(infra, ["questdb"]);
      });
      await waitFor(
        "the sink to pause",
        async () => ((await paused()) === 1 ? true : undefined),
        90_000,
        200,
      );
      expect(sink.ready()).toBe(false);
      await infraUp(infra, ["questdb"]);
      await expectStoredRowsExact(run, 150_000);
      expect(await paused()).toBe(0);
    } finally {
      // Other tests share this QuestDB: it must be running again whatever happened here.
      await infraUp(infra, ["questdb"]);
    }
  }, 300_000);
});
