/**
 * Fault test: a KafkaBus publisher and subscriber survive a broker crash (SIGKILL) and restart,
 * losing nothing. It runs a PRIVATE Kafka broker (same cached jars as `infra up`, its own ports and
 * data under SHAMDAN_HOME) so the shared broker other tests use is never stopped.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { loadInfraConfig } from "../../../cli/infra/infra-config.ts";
// The infra helpers live in the CLI workspace; only this test reaches for them (relative import:
// shared/ does not depend on cli/ at runtime).
import { startService, stopService } from "../../../cli/infra/java-service.ts";
import { kafkaService } from "../../../cli/infra/kafka.ts";
import { textDecoder } from "../../core/bus.ts";
import { requireInfra, testConfig, uniqueName, waitFor } from "../../testing/integration.ts";
import { KafkaBus } from "./kafka-bus.ts";

const config = testConfig();
const infraConfig = loadInfraConfig();
const home = resolve(infraConfig.SHAMDAN_HOME, uniqueName("test-kafka-restart"));

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

let broker: ReturnType<typeof kafkaService>;
let port = 0;

beforeAll(async () => {
  await requireInfra(config);
  mkdirSync(home, { recursive: true });
  // Reuse the jars `infra up` downloaded instead of fetching Kafka again.
  symlinkSync(resolve(infraConfig.SHAMDAN_HOME, "downloads"), join(home, "downloads"));
  port = await freePort();
  broker = kafkaService({
    home,
    version: infraConfig.KAFKA_VERSION,
    port,
    controllerPort: await freePort(),
    javaHome: infraConfig.JAVA_HOME,
  });
  await startService(broker, infraConfig.JAVA_HOME);
}, 180_000);

afterAll(async () => {
  if (broker) await stopService(broker, { kill: true });
  rmSync(home, { recursive: true, force: true });
}, 60_000);

test("publish and consume continue across a broker crash and restart, losing nothing", async () => {
  const bus = new KafkaBus(
    { KAFKA_BROKERS: [`127.0.0.1:${port}`], KAFKA_CLIENT_ID: "shamdan-restart-test" },
    {
      retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 5 },
      retryBackoffMs: { initial: 50, max: 500 },
    },
  );
  try {
    const topic = uniqueName("restart");
    await bus.ensureTopics([{ name: topic, partitions: 2 }]);
    const seen = new Set<string>();
    const sub = await bus.subscribe({
      groupId: uniqueName("g"),
      topics: [topic],
      onBatch: async (batch) => {
        for (const m of batch.messages) seen.add(textDecoder.decode(m.value));
      },
    });
    const publishRange = (from: number, to: number) =>
      bus.publish(
        topic,
        Array.from({ length: to - from }, (_, i) => ({ key: `k${(from + i) % 5}`, value: String(from + i) })),
      );
    await publishRange(0, 50);
    await waitFor("the first 50 before the crash", () => (seen.size >= 50 ? true : undefined), 60_000);

    await stopService(broker, { kill: true });
    // Published while the broker is down: the idempotent producer keeps retrying until it is back.
    const during = publishRange(50, 100);
    await startService(broker, infraConfig.JAVA_HOME);
    await during;
    await publishRange(100, 150);

    await waitFor("all 150 after the restart", () => (seen.size >= 150 ? true : undefined), 120_000);
    for (let i = 0; i < 150; i++) expect(seen.has(String(i))).toBe(true);
    await waitFor("lag 0", async () => ((await sub.lag()) === 0 ? true : undefined), 60_000, 250);
    await sub.stop();
  } finally {
    await bus.close();
  }
}, 240_000);
