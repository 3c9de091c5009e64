/**
 * Start-up race: ingest, two processors, the sink and the api started as child processes at the same
 * instant, as compose or Kubernetes start them, against a freshly started broker and new topic names,
 * so they create the same topics concurrently while the broker is still settling; in the first round
 * they even start BEFORE the broker (it starts a few seconds later). Every service must become ready
 * (/readyz 200) and none may exit; rows must reach QuestDB; a SIGTERM ends each with code 0. A
 * processor stopped while it still waits for Kafka exits 0 too.
 *
 * Each round runs a PRIVATE, fresh Kafka broker (same cached jars as `infra up`, its own ports and
 * data under SHAMDAN_HOME): the shared broker other tests use is never stopped or started. QuestDB is
 * the shared one, with a table per round (dropped afterwards). Nobitex is the fake, in this process.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { type FakeNobitex, startFakeNobitex } from "@shamdan/ingest/fake-nobitex";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
import { loadInfraConfig } from "./infra/infra-config.ts";
import { startService, stopService } from "./infra/java-service.ts";
import { kafkaService } from "./infra/kafka.ts";

const config = testConfig();
const infraConfig = loadInfraConfig();
const root = resolve(import.meta.dir, "..");
const home = resolve(infraConfig.SHAMDAN_HOME, uniqueName("test-startup-race"));
const SYMBOLS = ["ETHBTC", "ETCBTC", "XRPETH"];
/** From the broker answering (or the children starting, with the broker up) to every /readyz 200. */
const READY_WITHIN_MS = 120_000;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => done(typeof address === "object" && address ? address.port : 0));
    });
  });
}

interface Child {
  name: string;
  process: ReturnType<typeof Bun.spawn>;
  readyUrl: string;
  log: () => string;
}

/** A service as its own `bun run shamdan <command>` process; stderr (the JSON log) is kept. */
function spawnService(name: string, command: string, readyUrl: string, env: Record<string, string>): Child {
  const inherited = Object.fromEntries(
    // bun test sets NODE_ENV=test, which switches kafkajs to its test retry defaults.
    Object.entries(process.env).filter(([key, value]) => value !== undefined && key !== "NODE_ENV"),
  ) as Record<string, string>;
  const child = Bun.spawn(["bun", "cli/main.ts", command], {
    cwd: root,
    env: { ...inherited, ...env },
    stdout: "ignore",
    stderr: "pipe",
  });
  let text = "";
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr as ReadableStream<Uint8Array>) text += decoder.decode(chunk);
  })();
  return { name, process: child, readyUrl, log: () => text };
}

async function readyStatus(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return undefined;
  }
}

const messages = (child: Child, msg: string) =>
  child
    .log()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { msg: string; level: string })
    .filter((line) => line.msg.startsWith(msg));

async function stopAll(children: Child[]): Promise<(number | null)[]> {
  for (const c of children) if (c.process.exitCode === null) c.process.kill("SIGTERM");
  return Promise.all(
    children.map((c) =>
      Promise.race([c.process.exited, Bun.sleep(30_000).then(() => null)]).then((code) => {
        if (code === null) c.process.kill("SIGKILL");
        return code;
      }),
    ),
  );
}

/** The running round's broker; each round gets a fresh one (new data, new ports). */
let broker: ReturnType<typeof kafkaService> | undefined;
let brokerPort = 0;
let fake: FakeNobitex;
const tables: string[] = [];
const everyChild: Child[] = [];

beforeAll(async () => {
  await requireInfra(config);
  mkdirSync(home, { recursive: true });
  // Reuse the jars `infra up` downloaded instead of fetching Kafka again.
  symlinkSync(resolve(infraConfig.SHAMDAN_HOME, "downloads"), join(home, "downloads"));
  fake = await startFakeNobitex({
    dataDir: join(root, "data", "candles"),
    port: 0,
    hostname: "127.0.0.1",
    symbols: SYMBOLS,
    live: true,
    retime: true,
  });
});

afterAll(async () => {
  await stopAll(everyChild.filter((c) => c.process.exitCode === null));
  if (broker) await stopService(broker, { kill: true });
  rmSync(home, { recursive: true, force: true });
  await fake?.stop();
  const questdb = /addr=([^;]+)/.exec(config.QUESTDB_ILP_CONF)?.[1] ?? "127.0.0.1:9000";
  for (const table of tables)
    await fetch(`http://${questdb}/exec?query=${encodeURIComponent(`DROP TABLE IF EXISTS ${table}`)}`).catch(
      () => {},
    );
}, 120_000);

/** A new broker with empty data on new ports (not started yet), replacing the previous round's. */
async function freshBroker(round: string): Promise<NonNullable<typeof broker>> {
  if (broker) await stopService(broker, { kill: true });
  const dir = join(home, round);
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(home, "downloads"), join(dir, "downloads"));
  brokerPort = await freePort();
  broker = kafkaService({
    home: dir,
    version: infraConfig.KAFKA_VERSION,
    port: brokerPort,
    controllerPort: await freePort(),
    javaHome: infraConfig.JAVA_HOME,
  });
  return broker;
}

/** Starts the five services of one round at once, with names no other round (or test) uses. */
async function startRound(round: string): Promise<{ children: Child[]; table: string }> {
  const id = uniqueName(round);
  const table = `race_${id}`;
  tables.push(table);
  const common = {
    KAFKA_BROKERS: `127.0.0.1:${brokerPort}`,
    KAFKA_CLIENT_ID: `shamdan-${id}`,
    TOPIC_TEMPLATE: `${id}_{symbol}`,
    OUTPUT_TOPIC: `${id}_output`,
    DEAD_LETTER_TOPIC: `${id}_dead_letters`,
    PROCESSOR_GROUP: `${id}_processor`,
    SINK_GROUP: `${id}_sink`,
    QUESTDB_TABLE: table,
    SYMBOLS: SYMBOLS.join(","),
    NOBITEX_BASE_URL: fake.url,
    LIVE_SOURCE: "poll",
    BACKFILL_CANDLES: "60",
    BUS: "kafka",
    STORE: "questdb",
    LOG_LEVEL: "info",
  };
  const ports = await Promise.all(Array.from({ length: 5 }, freePort));
  const [ingest, processorA, processorB, sink, api] = ports as [number, number, number, number, number];
  const health = (port: number) => `http://127.0.0.1:${port}/readyz`;
  const children = [
    spawnService("ingest", "ingest", health(ingest), { ...common, HEALTH_PORT: String(ingest) }),
    spawnService("processor 1", "processor", health(processorA), {
      ...common,
      HEALTH_PORT: String(processorA),
    }),
    spawnService("processor 2", "processor", health(processorB), {
      ...common,
      HEALTH_PORT: String(processorB),
    }),
    spawnService("sink", "sink", health(sink), { ...common, HEALTH_PORT: String(sink) }),
    spawnService("api", "api", health(api), { ...common, API_PORT: String(api) }),
  ];
  everyChild.push(...children);
  return { children, table };
}

async function expectAllReady(children: Child[]): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  const report = (why: string) =>
    new Error(
      `${why}\n${children.map((c) => `--- ${c.name} (exit ${c.process.exitCode})\n${c.log().slice(-3000)}`).join("\n")}`,
    );
  for (;;) {
    // An exit fails at once: that is the bug this test is about.
    const exited = children.filter((c) => c.process.exitCode !== null);
    if (exited.length > 0) throw report(`exited while starting: ${exited.map((c) => c.name).join(", ")}`);
    const statuses = await Promise.all(children.map((c) => readyStatus(c.readyUrl)));
    if (statuses.every((s) => s === 200)) return;
    if (Date.now() > deadline)
      throw report(
        `not ready within ${READY_WITHIN_MS} ms: ${children.map((c, i) => `${c.name} ${statuses[i]}`)}`,
      );
    await Bun.sleep(500);
  }
}

async function expectRows(table: string): Promise<void> {
  const questdb = /addr=([^;]+)/.exec(config.QUESTDB_ILP_CONF)?.[1] ?? "127.0.0.1:9000";
  await waitFor(
    `rows in ${table}`,
    async () => {
      const response = await fetch(
        `http://${questdb}/exec?query=${encodeURIComponent(`SELECT count() FROM ${table}`)}`,
      );
      const body = (await response.json()) as { dataset?: [[number]] };
      return (body.dataset?.[0]?.[0] ?? 0) > 0 ? true : undefined;
    },
    60_000,
    500,
  );
}

async function finishRound(children: Child[], table: string): Promise<void> {
  await expectRows(table);
  // Nobody exited along the way, and each stops cleanly.
  expect(children.filter((c) => c.process.exitCode !== null).map((c) => c.name)).toEqual([]);
  const codes = await stopAll(children);
  expect(Object.fromEntries(children.map((c, i) => [c.name, codes[i]]))).toEqual(
    Object.fromEntries(children.map((c) => [c.name, 0])),
  );
}

describe("five services started at once against new topics", () => {
  test("round 1: started before the broker is up; they wait (not ready, one line), then all get ready", async () => {
    const kafka = await freshBroker("race1");
    const { children, table } = await startRound("race1");
    const stoppedPort = await freePort();
    const waitsForever = spawnService(
      "processor stopped while waiting",
      "processor",
      `http://127.0.0.1:${stoppedPort}/readyz`,
      {
        KAFKA_BROKERS: `127.0.0.1:${brokerPort}`,
        TOPIC_TEMPLATE: `${uniqueName("race1_stopped")}_{symbol}`,
        HEALTH_PORT: String(stoppedPort),
      },
    );
    everyChild.push(waitsForever);
    const services = [...children, waitsForever];
    await waitFor(
      "every service saying it waits for Kafka",
      () => (services.every((c) => messages(c, "waiting for Kafka").length > 0) ? true : undefined),
      60_000,
      200,
    );
    // Meanwhile not ready (the api's /readyz is about the store, which is up).
    for (const c of children.filter((c) => c.name !== "api")) expect(await readyStatus(c.readyUrl)).toBe(503);

    waitsForever.process.kill("SIGTERM");
    expect(await waitsForever.process.exited).toBe(0);
    expect(messages(waitsForever, "stopped while starting")).toHaveLength(1);

    await startService(kafka, infraConfig.JAVA_HOME);
    const brokerUp = performance.now();
    await expectAllReady(children);
    const readyMs = Math.round(performance.now() - brokerUp);
    // The api is ready with the store alone; its live feed gets through to Kafka in the background.
    await waitFor(
      "every service saying Kafka is reachable again",
      () => (children.every((c) => messages(c, "Kafka reachable again").length > 0) ? true : undefined),
      60_000,
      200,
    );
    // One line when the wait began and one when it ended, not one per attempt (each child retried
    // for seconds; a wait may begin again for the next step, e.g. topics, then the subscription).
    expect(
      Object.fromEntries(children.map((c) => [c.name, messages(c, "waiting for Kafka").length <= 3])),
    ).toEqual(Object.fromEntries(children.map((c) => [c.name, true])));
    console.log(
      `race1: all ready ${readyMs} ms after the broker answered; "waiting for Kafka" lines per service:`,
      Object.fromEntries(children.map((c) => [c.name, messages(c, "waiting for Kafka").length])),
    );
    await finishRound(children, table);
  }, 300_000);

  for (const round of ["race2", "race3"])
    test(`${round}: started together the moment a fresh broker answers, creating the same topics concurrently`, async () => {
      await startService(await freshBroker(round), infraConfig.JAVA_HOME);
      const { children, table } = await startRound(round);
      const started = performance.now();
      await expectAllReady(children);
      console.log(`${round}: all ready ${Math.round(performance.now() - started)} ms after the start`);
      await finishRound(children, table);
    }, 240_000);

  test("a configuration the broker rejects (replication factor above its one broker) exits 2 with one line", async () => {
    // The last round's broker (a no-op if it runs), or a fresh one when this test runs alone.
    await startService(broker ?? (await freshBroker("rejected")), infraConfig.JAVA_HOME);
    const port = await freePort();
    const child = spawnService(
      "processor with TOPIC_REPLICATION=3",
      "processor",
      `http://127.0.0.1:${port}/readyz`,
      {
        KAFKA_BROKERS: `127.0.0.1:${brokerPort}`,
        TOPIC_TEMPLATE: `${uniqueName("race_rejected")}_{symbol}`,
        TOPIC_REPLICATION: "3",
        HEALTH_PORT: String(port),
      },
    );
    everyChild.push(child);
    expect(await Promise.race([child.process.exited, Bun.sleep(60_000).then(() => "still running")])).toBe(2);
    await Bun.sleep(100);
    const plain = child
      .log()
      .split("\n")
      .filter((line) => line.startsWith("shamdan "));
    expect(plain).toHaveLength(1);
    expect(plain[0]).toStartWith("shamdan processor: BUS_ENSURE_TOPICS_FAILED: ");
    expect(plain[0]).toContain("Replication-factor is invalid");
    // No stack trace: every other line is a JSON log line (or Bun's one kafkajs timer warning).
    expect(child.log()).not.toContain("    at ");
  }, 90_000);
});
