/**
 * `shamdan api` with neither its store nor Kafka there (closed ports on 127.0.0.1, no servers): it
 * serves at once, /readyz says 503, each missing dependency is logged once, and SIGTERM exits 0.
 * (Becoming ready once Kafka is up is proven by cli/startup-race.integration.test.ts.)
 */
import { expect, test } from "bun:test";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { waitFor } from "@shamdan/shared/testing/integration";

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

test("the api serves while the store and Kafka are missing, not ready, and stops cleanly", async () => {
  const [apiPort, pgPort, ilpPort, kafkaPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key, value]) => value !== undefined && key !== "NODE_ENV"),
  ) as Record<string, string>;
  const child = Bun.spawn(["bun", "cli/main.ts", "api"], {
    cwd: resolve(import.meta.dir, "../.."),
    env: {
      ...env,
      API_PORT: String(apiPort),
      STORE: "questdb",
      QUESTDB_PG_URL: `postgres://admin:quest@127.0.0.1:${pgPort}/qdb`,
      QUESTDB_ILP_CONF: `http::addr=127.0.0.1:${ilpPort};`,
      BUS: "kafka",
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      LOG_LEVEL: "info",
    },
    stdout: "ignore",
    stderr: "pipe",
  });
  let log = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr as ReadableStream<Uint8Array>) log += decoder.decode(chunk);
  })();
  const lines = (msg: string) => log.split("\n").filter((line) => line.includes(`"msg":"${msg}`));
  try {
    const base = `http://127.0.0.1:${apiPort}`;
    const healthz = await waitFor(
      "the api serving",
      () => fetch(`${base}/healthz`).then((r) => r.status),
      30_000,
    );
    expect(healthz).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    // The live feed's bus logs its wait once (after its first attempt is slow or fails).
    await waitFor(
      "both waits logged",
      () =>
        lines("waiting for Kafka").length > 0 && lines("waiting for the store").length > 0 ? true : undefined,
      30_000,
    );
    await Bun.sleep(1000);
    expect(lines("waiting for Kafka")).toHaveLength(1);
    expect(lines("waiting for the store")).toHaveLength(1);
    expect(child.exitCode).toBeNull();
  } finally {
    child.kill("SIGTERM");
  }
  expect(await child.exited).toBe(0);
  await reading;
  expect(lines("shutting down")).toHaveLength(1);
}, 60_000);
