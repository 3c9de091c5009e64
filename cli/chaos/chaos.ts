/**
 * The chaos suite (`bun run test:chaos`): the whole distributed pipeline — ingest, two processor
 * replicas, the sink and the API as child processes — on a Kafka and a QuestDB of its own (fresh, on
 * their own ports and data folder, so stopping them disturbs nothing else), fed by the fake Nobitex with
 * every fault kind enabled (two live symbols) and by recorded candles published in paced bursts (three
 * more symbols). Each scenario does one bad thing, then waits until:
 * - every service is ready again, with nobody restarting anything but the scenario itself;
 * - the rows in QuestDB equal `computeSeries` over every candle published so far (none lost, none
 *   duplicated, every value equal);
 * - every hostile message was dead-lettered exactly once.
 * The report has one row per scenario and ends with `N passed, N failed`.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { CandleInput } from "@shamdan/indicators";
import { startFakeNobitex } from "@shamdan/ingest/fake-nobitex";
import { KafkaBus } from "@shamdan/shared/adapters/kafka/kafka-bus";
import { QuestDbStore } from "@shamdan/shared/adapters/questdb/questdb-store";
import { type Config, loadConfig, topicFor } from "@shamdan/shared/core/config";
import { silentLogger } from "@shamdan/shared/core/log";
import { mulberry32 } from "@shamdan/shared/core/prng";
import postgres from "postgres";
import {
  candleMessage,
  compareRows,
  expectedRows,
  recordedCandles,
} from "../../processor/testing/pipeline-harness.ts";
import { infraServices } from "../infra/infra.ts";
import { loadInfraConfig } from "../infra/infra-config.ts";
import { pidFile, startService, stopService } from "../infra/java-service.ts";
import { Fleet } from "./fleet.ts";
import { hostileCandles, hostileRequest, hostileRows, hostileStates } from "./hostile.ts";

export const REPO_ROOT = resolve(import.meta.dir, "..", "..");

/** Symbols ingest polls from the fake Nobitex (live, re-timed to now), and the recording behind each. */
const LIVE: Record<string, string> = { LIVEXRP: "XRPETH", LIVEETC: "ETCBTC" };
/** Symbols whose recorded candles the suite publishes itself, in paced bursts. */
const REPLAYED = ["ETCBTC", "ETHBTC", "XRPETH"] as const;
const BASELINE_CANDLES = 800;
const BURST_CANDLES = 400;
/** A live minute is compared once it closed this long ago (ingest polls every 2 s, faults delay some polls). */
const LIVE_SETTLE_MS = 30_000;
/** The API's memory bound under the hostile mix. */
const API_RSS_LIMIT_MB = 300;

export interface ScenarioResult {
  name: string;
  action: string;
  expected: number;
  found: number;
  duplicated: number;
  deadLetters: number;
  expectedDeadLetters: number;
  recoverMs: number;
  peaks: Map<string, number>;
  problems: string[];
}

interface Outcome {
  expectedDeadLetters?: number;
  /** Changelog values that are not states, which the processors must count as skipped. */
  skippedStates?: number;
  apiProblems?: string[];
}

export interface ChaosOptions {
  /** Ports used: base+92/93 Kafka, base+0 QuestDB HTTP, base+12 PG, base+9 ILP TCP, base+101.. services. */
  portBase: number;
  /** Scenario names to run (after the cold start, which always runs); default all. */
  only?: readonly string[];
  report(line: string): void;
}

interface Scenario {
  name: string;
  action: string;
  /** Peak resident memory a service may reach during the scenario. */
  maxRssMb?: Record<string, number>;
  run(): Promise<Outcome>;
}

/** The settings every chaos service shares: its own Kafka, QuestDB, topics, groups and table. */
function chaosEnv(base: number, allSymbols: readonly string[]): Record<string, string> {
  return {
    BUS: "kafka",
    STORE: "questdb",
    KAFKA_BROKERS: `127.0.0.1:${base + 92}`,
    QUESTDB_ILP_CONF: `http::addr=127.0.0.1:${base};`,
    QUESTDB_PG_URL: `postgres://admin:quest@127.0.0.1:${base + 12}/qdb`,
    SYMBOLS: allSymbols.join(","),
    TOPIC_TEMPLATE: "chaos_{symbol}",
    OUTPUT_TOPIC: "chaos_output",
    DEAD_LETTER_TOPIC: "chaos_dead_letters",
    PROCESSOR_GROUP: "chaos_processor",
    SINK_GROUP: "chaos_sink",
    QUESTDB_TABLE: "chaos_stock_data",
    TOPIC_PARTITIONS: "2",
    LOG_LEVEL: "info",
  };
}

/** The services under test: ingest on the fake Nobitex, two processors, the sink and the API. */
function chaosFleet(
  logDir: string,
  shared: Record<string, string>,
  nobitexUrl: string,
  base: number,
  apiPort: number,
): Fleet {
  const url = (port: number) => `http://127.0.0.1:${port}/readyz`;
  const fleet = new Fleet(REPO_ROOT, logDir);
  fleet.add({
    name: "ingest",
    command: "ingest",
    env: {
      ...shared,
      SYMBOLS: Object.keys(LIVE).join(","),
      NOBITEX_BASE_URL: nobitexUrl,
      LIVE_SOURCE: "poll",
      NOBITEX_TIMEOUT_MS: "1000",
      POLL_CRON: "*/2 * * * * *",
      // Backfill is by time (the last N minutes): wider than the fake's history, so it gets all of it.
      BACKFILL_CANDLES: "2000",
      HEALTH_PORT: String(base + 101),
    },
    readyUrl: url(base + 101),
  });
  for (const [name, port] of [
    ["processor-a", base + 102],
    ["processor-b", base + 104],
  ] as const)
    fleet.add({
      name,
      command: "processor",
      env: { ...shared, HEALTH_PORT: String(port) },
      readyUrl: url(port),
    });
  fleet.add({
    name: "sink",
    command: "sink",
    env: { ...shared, HEALTH_PORT: String(base + 103) },
    readyUrl: url(base + 103),
  });
  fleet.add({
    name: "api",
    command: "api",
    env: { ...shared, API_PORT: String(apiPort) },
    readyUrl: url(apiPort),
  });
  return fleet;
}

interface ScenarioTools {
  restartAfter(name: string, pauseMs: number): Promise<void>;
  midBurst(atMs: number, work: () => Promise<void>): Promise<void>;
  bus: KafkaBus;
  config: Config;
  infra: ReturnType<typeof infraServices>;
  infraConfig: ReturnType<typeof loadInfraConfig>;
  apiPort: number;
  allSymbols: readonly string[];
}

/**
 * What each scenario breaks; after each, runChaos waits for the pipeline to converge and checks it.
 * Long on purpose: a declarative list, a few lines per scenario.
 */
function chaosScenarios(tools: ScenarioTools): Scenario[] {
  const { restartAfter, midBurst, bus, config, infra, infraConfig, apiPort, allSymbols } = tools;
  const url = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;
  return [
    {
      name: "kill-ingest",
      action: "kill -9 ingest while polling, restart after 3 s",
      run: async () => {
        await restartAfter("ingest", 3000);
        return {};
      },
    },
    {
      name: "kill-processor",
      action: "kill -9 processor-a mid-burst, restart after 2 s",
      run: async () => {
        await midBurst(1500, () => restartAfter("processor-a", 2000));
        return {};
      },
    },
    {
      name: "kill-sink",
      action: "kill -9 sink mid-burst, restart after 2 s",
      run: async () => {
        await midBurst(1500, () => restartAfter("sink", 2000));
        return {};
      },
    },
    {
      name: "kill-api",
      action: "kill -9 api with a stream open, restart after 1 s",
      run: async () => {
        const stream = fetch(url(apiPort, "/api/signals/stream")).catch(() => undefined);
        await Bun.sleep(500);
        await restartAfter("api", 1000);
        await stream;
        return {};
      },
    },
    {
      name: "broker-restart",
      action: "stop Kafka mid-burst, start it 5 s later",
      run: async () => {
        await midBurst(1500, async () => {
          await stopService(infra.kafka);
          await Bun.sleep(5000);
          await startService(infra.kafka, infraConfig.JAVA_HOME);
        });
        return {};
      },
    },
    {
      name: "questdb-restart",
      action: "stop QuestDB mid-burst, start it 5 s later",
      run: async () => {
        await midBurst(1500, async () => {
          await stopService(infra.questdb);
          await Bun.sleep(5000);
          await startService(infra.questdb, infraConfig.JAVA_HOME);
        });
        return {};
      },
    },
    {
      name: "poison",
      action:
        "hostile bytes into every symbol topic, output_topic and the changelog; then kill -9 processor-b",
      run: async () => {
        let count = 0;
        let seed = 100;
        for (const symbol of allSymbols) {
          const messages = hostileCandles(symbol, seed++);
          for (const m of messages)
            await bus.publish(topicFor(config, symbol), [{ key: symbol, value: m.value }]);
          count += messages.length;
        }
        const rows = hostileRows(REPLAYED[0], seed++);
        for (const m of rows) await bus.publish(config.OUTPUT_TOPIC, [{ key: REPLAYED[0], value: m.value }]);
        count += rows.length;
        const changelog = `${config.PROCESSOR_GROUP}_state`;
        const states = hostileStates(`${topicFor(config, REPLAYED[0])}:0`, seed++);
        for (const state of states) await bus.publish(changelog, [state]);
        await midBurst(1500, () => restartAfter("processor-b", 1000));
        // The junk under a real partition's key is compared with a valid state in every restore.
        const underRealKey = states.filter((s) => s.key.startsWith(topicFor(config, REPLAYED[0]))).length;
        return { expectedDeadLetters: count, skippedStates: underRealKey };
      },
    },
    {
      name: "hostile-api",
      action: "10,000 hostile requests (16 at a time), 400 distinct heavy reads, 40 replaying streams",
      run: async () => ({ apiProblems: await hostileApiLoad(`http://127.0.0.1:${apiPort}`, allSymbols) }),
      maxRssMb: { api: API_RSS_LIMIT_MB },
    },
  ];
}

/** Interrupted (Ctrl-C, a CI time-out): take the children and the JVMs down with us. */
function killEverything(fleet: Fleet, infra: ReturnType<typeof infraServices>) {
  return (signal: NodeJS.Signals) => {
    fleet.killAllNow();
    for (const service of [infra.kafka, infra.questdb]) {
      try {
        process.kill(Number(readFileSync(pidFile(service), "utf8").trim()), "SIGKILL");
      } catch {
        // Not started, or already gone.
      }
    }
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
}

/** A scenario's dead letters, skipped changelog values and memory peaks against what it expected. */
function bookkeepingProblems(
  scenario: Pick<Scenario, "maxRssMb">,
  outcome: Outcome,
  seen: { deadLetters: number; counted: number | undefined; peaks: Map<string, number> },
): string[] {
  const problems: string[] = [];
  const expectedDeadLetters = outcome.expectedDeadLetters ?? 0;
  if (seen.deadLetters !== expectedDeadLetters)
    problems.push(`dead letters: ${seen.deadLetters}, expected ${expectedDeadLetters} (one per bad message)`);
  if (outcome.skippedStates !== undefined && (seen.counted ?? 0) < outcome.skippedStates)
    problems.push(
      `processors counted ${seen.counted} skipped changelog values, expected at least ${outcome.skippedStates}`,
    );
  for (const [name, limit] of Object.entries(scenario.maxRssMb ?? {}))
    if ((seen.peaks.get(name) ?? 0) > limit)
      problems.push(
        `${name} peaked at ${(seen.peaks.get(name) ?? 0).toFixed(0)} MB, over its ${limit} MB bound`,
      );
  return problems;
}

/** Services that did not exit 0 on SIGTERM, as a result of their own. */
function uncleanShutdown(unclean: readonly (readonly [string, number | null])[]): ScenarioResult {
  return {
    name: "shutdown",
    action: "SIGTERM to every service",
    expected: 0,
    found: 0,
    duplicated: 0,
    deadLetters: 0,
    expectedDeadLetters: 0,
    recoverMs: 0,
    peaks: new Map(),
    problems: unclean.map(([n, code]) => `${n} exited ${code}`),
  };
}

// Long on purpose: the burst, compare and converge closures share the fleet, bus and store this run starts
// and stops; the environment, the fleet, the scenarios and the checks are functions of their own.
export async function runChaos(options: ChaosOptions): Promise<ScenarioResult[]> {
  const base = options.portBase;
  const parentConfig = loadInfraConfig();
  const home = mkdtempSync(join(tmpdir(), "shamdan-chaos-"));
  const logDir = join(home, "logs");
  mkdirSync(logDir, { recursive: true });
  // The JVM artifacts were downloaded once for `infra up`: share them, keep the data apart.
  symlinkSync(resolve(parentConfig.SHAMDAN_HOME, "downloads"), join(home, "downloads"));
  options.report(`chaos: logs and data in ${home}`);

  const infraConfig = loadInfraConfig(process.env, {
    SHAMDAN_HOME: home,
    INFRA_KAFKA_PORT: String(base + 92),
    INFRA_KAFKA_CONTROLLER_PORT: String(base + 93),
    INFRA_QUESTDB_HTTP_PORT: String(base),
    INFRA_QUESTDB_PG_PORT: String(base + 12),
    INFRA_QUESTDB_ILP_TCP_PORT: String(base + 9),
  });
  const infra = infraServices(infraConfig);

  const fake = await startFakeNobitex({
    dataDir: join(REPO_ROOT, "data", "candles"),
    symbols: [],
    map: LIVE,
    live: true,
    retime: true,
    history: 300,
    seed: 11,
    faults: {
      rate429: 0.05,
      backOffSeconds: 3,
      rate5xx: 0.05,
      slowRate: 0.05,
      slowMs: 1500,
      malformedRate: 0.05,
      invalidCandleRate: 0.1,
    },
  });

  const allSymbols = [...Object.keys(LIVE), ...REPLAYED];
  const shared = chaosEnv(base, allSymbols);
  const config: Config = loadConfig(process.env, shared);
  const url = (port: number, path = "/readyz") => `http://127.0.0.1:${port}${path}`;
  const apiPort = base + 300;
  const fleet = chaosFleet(logDir, shared, fake.url, base, apiPort);

  const bus = new KafkaBus(config, { logger: silentLogger });
  const store = new QuestDbStore(config);
  const published = new Map<string, CandleInput[]>(REPLAYED.map((s) => [s, []]));
  const recordings = new Map(REPLAYED.map((s) => [s, recordedCandles(s, 100_000)]));
  let deadLettersBefore = 0;
  let injected = 0;

  /** Publishes the next `perSymbol` recorded candles of every replayed symbol, spread over `spreadMs`. */
  const burst = async (perSymbol: number, spreadMs: number) => {
    const steps = 20;
    for (let step = 0; step < steps; step++) {
      for (const symbol of REPLAYED) {
        const done = published.get(symbol) ?? [];
        const all = recordings.get(symbol) ?? [];
        const next = all.slice(done.length, done.length + Math.ceil(perSymbol / steps));
        if (next.length === 0) continue;
        await bus.publish(
          topicFor(config, symbol),
          next.map((c) => ({
            key: symbol,
            value: JSON.stringify(candleMessage(symbol, c)),
          })),
        );
        done.push(...next);
      }
      await Bun.sleep(spreadMs / steps);
    }
  };
  /** Runs `work` while a burst is flowing, `atMs` after it started. */
  const midBurst = async (atMs: number, work: () => Promise<void>) => {
    await Promise.all([burst(BURST_CANDLES, 4000), Bun.sleep(atMs).then(work)]);
  };

  const deadLetterCount = async () => {
    const admin = await bus.admin();
    const offsets = await admin.fetchTopicOffsets(config.DEAD_LETTER_TOPIC);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  };

  /** What the store must hold now, and how far it differs from it. */
  const compare = async () => {
    const problems: string[] = [];
    let expected = 0;
    let found = 0;
    const closedBy = Date.now() - LIVE_SETTLE_MS;
    const wanted = new Map<string, CandleInput[]>([
      ...REPLAYED.map((s) => [s, published.get(s) ?? []] as [string, CandleInput[]]),
      ...Object.keys(LIVE).map(
        (s) =>
          [s, fake.expected(s).filter((c) => c.openTime + 60_000 <= closedBy)] as [string, CandleInput[]],
      ),
    ]);
    for (const [symbol, candles] of wanted) {
      const last = candles.at(-1);
      if (!last) continue;
      const rows = expectedRows(config, symbol, candles);
      const stored = await store.rows({ symbol, from: 0, to: last.openTime + 1 }, 1_000_000);
      expected += rows.length;
      found += stored.length;
      problems.push(...compareRows(stored, rows));
    }
    // Rows stored twice for one (symbol, minute): the table's dedup keys must make this 0.
    const [dup] = await storeSql(
      `SELECT count() AS n, count_distinct(concat(stock_symbol, cast(local_time AS string))) AS d FROM "${config.QUESTDB_TABLE}"`,
    );
    return { expected, found, duplicated: Number(dup?.n ?? 0) - Number(dup?.d ?? 0), problems };
  };
  const pg = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false, onnotice: () => {} });
  const storeSql = (text: string) => pg.unsafe(text) as Promise<Record<string, unknown>[]>;

  /** Waits until every service is ready and the store holds exactly what it must; returns the time taken. */
  const converge = async (since: number, timeoutMs = 180_000) => {
    await fleet.waitReady(fleet.names(), timeoutMs);
    let last = { expected: 0, found: 0, duplicated: 0, problems: ["not compared yet"] };
    while (performance.now() - since < timeoutMs) {
      try {
        last = await compare();
      } catch (error) {
        last = { ...last, problems: [`store read failed: ${String(error)}`] };
      }
      if (last.problems.length === 0 && last.duplicated === 0) break;
      await Bun.sleep(1000);
    }
    return { ...last, recoverMs: performance.now() - since };
  };

  /** Changelog values the processors skipped in restores, from their /metrics. */
  const invalidStatesCounted = async () => {
    let total = 0;
    for (const port of [base + 102, base + 104]) {
      const text = await fetch(url(port, "/metrics")).then(
        (r) => r.text(),
        () => "",
      );
      const match = /shamdan_processor_rejected_total\{[^}]*reason="invalid_state"[^}]*\} (\d+)/.exec(text);
      total += Number(match?.[1] ?? 0);
    }
    return total;
  };

  const restartAfter = async (name: string, pauseMs: number) => {
    await fleet.kill9(name);
    await Bun.sleep(pauseMs);
    fleet.start([name]);
  };

  const scenarios = chaosScenarios({
    restartAfter,
    midBurst,
    bus,
    config,
    infra,
    infraConfig,
    apiPort,
    allSymbols,
  });

  // Interrupted (Ctrl-C, a CI time-out): take the children and the JVMs down with us.
  const interrupted = killEverything(fleet, infra);
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);

  const results: ScenarioResult[] = [];
  const record = (
    scenario: Pick<Scenario, "name" | "action">,
    outcome: Omit<ScenarioResult, "name" | "action">,
  ) => {
    results.push({ name: scenario.name, action: scenario.action, ...outcome });
    const r = results.at(-1) as ScenarioResult;
    options.report(
      `chaos: ${r.name}: ${r.problems.length === 0 ? "ok" : `FAILED (${r.problems.slice(0, 5).join("; ")})`} in ${(r.recoverMs / 1000).toFixed(1)} s`,
    );
  };

  try {
    // Cold start: the services first, the broker and the database after them, all topics new.
    const started = performance.now();
    fleet.start();
    await Promise.all([
      startService(infra.kafka, infraConfig.JAVA_HOME),
      startService(infra.questdb, infraConfig.JAVA_HOME),
    ]);
    await fleet.waitReady(fleet.names(), 180_000);
    await burst(BASELINE_CANDLES, 2000);
    const cold = await converge(started);
    deadLettersBefore = await deadLetterCount();
    record(
      { name: "cold-start", action: "all services started at once, before Kafka and QuestDB, on new topics" },
      {
        ...cold,
        deadLetters: deadLettersBefore,
        expectedDeadLetters: 0,
        peaks: fleet.takePeaks(),
        problems: [...cold.problems, ...exits(fleet)],
      },
    );

    for (const scenario of scenarios) {
      if (options.only && !options.only.includes(scenario.name)) continue;
      const since = performance.now();
      let outcome: Outcome = {};
      const problems: string[] = [];
      try {
        outcome = await scenario.run();
      } catch (error) {
        problems.push(`scenario failed: ${String(error)}`);
      }
      let state = { expected: 0, found: 0, duplicated: 0, problems: [] as string[], recoverMs: 0 };
      try {
        state = await converge(since);
      } catch (error) {
        state.problems.push(String(error));
      }
      const expectedDeadLetters = outcome.expectedDeadLetters ?? 0;
      injected += expectedDeadLetters;
      const letters = await deadLetterCount().catch(() => -1);
      const deadLetters = letters - deadLettersBefore;
      deadLettersBefore = letters;
      const counted = outcome.skippedStates === undefined ? undefined : await invalidStatesCounted();
      const peaks = fleet.takePeaks();
      problems.push(...bookkeepingProblems(scenario, outcome, { deadLetters, counted, peaks }));
      record(scenario, {
        ...state,
        deadLetters,
        expectedDeadLetters,
        peaks,
        problems: [...problems, ...state.problems, ...(outcome.apiProblems ?? []), ...exits(fleet)],
      });
    }
  } finally {
    const stopped = await Promise.all(fleet.names().map(async (n) => [n, await fleet.stop(n)] as const));
    const unclean = stopped.filter(([, code]) => code !== null && code !== 0);
    if (unclean.length > 0) results.push(uncleanShutdown(unclean));
    await fleet.stopAll();
    await fake.stop();
    await bus.close().catch(() => {});
    await store.close().catch(() => {});
    await pg.end({ timeout: 1 }).catch(() => {});
    await stopService(infra.kafka).catch(() => {});
    await stopService(infra.questdb).catch(() => {});
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    options.report(`chaos: ${injected} hostile messages injected; logs in ${logDir}`);
  }
  return results;
}

/** Unexpected exits since the last call, as problems (each reported once). */
function exits(fleet: Fleet): string[] {
  const found = fleet.unexpectedExits
    .splice(0)
    .map((e) => `${e.name} exited by itself (code ${e.code}, log ${e.log})`);
  return found;
}

/**
 * The API under a hostile mix: 10,000 broken or malicious requests, 400 distinct heavy candle reads
 * (8 at a time, distinct windows so the answer cache never helps) and 40 streams replaying from the
 * start, half of them abandoned early. Every answer must be a 200, a 4xx or a 503 with a JSON body.
 * Long on purpose: three loads (hostile requests, heavy reads, streams) that share one problem list and run together.
 */
export async function hostileApiLoad(api: string, symbols: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const random = mulberry32(42);
  const statuses = new Map<number, number>();
  const check = async (what: string, response: Response) => {
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    const body = await response.text();
    const clean =
      response.status === 200 || (response.status >= 400 && response.status < 500) || response.status === 503;
    if (!clean) problems.push(`${what}: HTTP ${response.status} ${body.slice(0, 120)}`);
    else if (response.status !== 200) {
      try {
        JSON.parse(body);
      } catch {
        problems.push(`${what}: HTTP ${response.status} without a JSON body: ${body.slice(0, 120)}`);
      }
    }
  };
  const pool = async (count: number, concurrency: number, one: (i: number) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) await one(next++);
      }),
    );
  };
  const symbolAt = (i: number) => symbols[i % symbols.length] as string;

  const streams = Promise.all(
    Array.from({ length: 40 }, async (_, i) => {
      const symbol = symbolAt(i);
      const abort = new AbortController();
      try {
        const response = await fetch(`${api}/api/signals/stream?symbol=${symbol}`, {
          headers: { "last-event-id": `0-${symbol}` },
          signal: abort.signal,
        });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status !== 200) {
          await check(`stream ${symbol}`, response);
          return;
        }
        const reader = response.body?.getReader();
        // Half read for a while, half give up after the first chunk (a client that goes away).
        const until = Date.now() + (i % 2 === 0 ? 10_000 : 0);
        do {
          const { done } = (await reader?.read()) ?? { done: true };
          if (done) break;
        } while (Date.now() < until);
        abort.abort();
      } catch (error) {
        if (!abort.signal.aborted) problems.push(`stream ${symbol}: ${String(error)}`);
      }
    }),
  );

  const heavy = pool(400, 8, async (i) => {
    // Distinct windows: each read starts one minute later than the one before.
    const from = new Date(Date.UTC(2017, 10, 1) + i * 60_000).toISOString();
    try {
      const response = await fetch(
        `${api}/api/candles?symbol=${symbolAt(i)}&interval=1m&limit=10000&from=${from}`,
        { signal: AbortSignal.timeout(30_000) },
      );
      await check(`heavy read ${i}`, response);
    } catch (error) {
      problems.push(`heavy read ${i}: ${String(error)}`);
    }
  });

  const hostile = pool(10_000, 16, async (i) => {
    const request = hostileRequest(random, symbolAt(i));
    try {
      const response = await fetch(`${api}${request.path}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(15_000),
      });
      await check(`${request.method} ${request.path.slice(0, 80)}`, response);
    } catch (error) {
      problems.push(`${request.method} ${request.path.slice(0, 80)}: ${String(error)}`);
    }
  });

  await Promise.all([streams, heavy, hostile]);
  const summary = [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}:${n}`)
    .join(" ");
  process.stderr.write(`chaos: API answers by status ${summary}\n`);
  // Problems are listed once per kind (the first 20): ten thousand copies of one bug help no one.
  return problems.slice(0, 20);
}
