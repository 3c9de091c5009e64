/**
 * KafkaBus's start-up waits with no broker at all (a closed port on 127.0.0.1, so no Kafka is
 * involved): ensureTopics and subscribe keep retrying, log the wait once (kafkajs's own reconnect
 * errors go to debug), and close() ends them with BUS_CLOSED. Getting through once the broker is up
 * is proven against a real broker by cli/startup-race.integration.test.ts.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { loadConfig } from "../../core/config.ts";
import { ShamdanError } from "../../core/errors.ts";
import { createLogger } from "../../core/log.ts";
import { waitFor } from "../../testing/integration.ts";
import { KafkaBus } from "./kafka-bus.ts";

async function closedPort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

function waitingBus(port: number) {
  const lines: { level: string; msg: string; component?: string }[] = [];
  const logger = createLogger("debug", {}, (line) => lines.push(JSON.parse(line)));
  const bus = new KafkaBus(loadConfig({ KAFKA_BROKERS: `127.0.0.1:${port}` }), {
    logger,
    kafkaLogLevel: "debug",
    // kafkajs gives up on a connect quickly, so the bus's own retry loop runs many times.
    retry: { retries: 1, initialRetryTime: 20, maxRetryTime: 50 },
    waitBackoffMs: { initial: 20, max: 100 },
    slowAttemptMs: 5000,
  });
  const attempts = () => lines.filter((l) => l.msg === "still waiting for Kafka").length;
  const loud = () => lines.filter((l) => l.level === "warn" || l.level === "error");
  /** kafkajs's own connection errors, which it logs at ERROR per reconnect attempt. */
  const demoted = () => lines.filter((l) => l.component === "kafkajs" && l.msg.includes("ECONNREFUSED"));
  return { bus, lines, attempts, loud, demoted };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("KafkaBus waits for a broker that is not there yet", () => {
  test("ensureTopics retries, logs one line for many attempts, and close() ends the wait with BUS_CLOSED", async () => {
    const { bus, attempts, loud, demoted } = waitingBus(await closedPort());
    cleanup = () => bus.close();
    let settled = false;
    const ensuring = bus.ensureTopics([{ name: "never_created" }]).finally(() => {
      settled = true;
    });
    ensuring.catch(() => {});
    await waitFor("five retried attempts", () => (attempts() >= 5 ? true : undefined), 30_000, 20);
    expect(settled).toBe(false);
    expect(loud().map((l) => l.msg)).toEqual(["waiting for Kafka: creating topics never_created"]);
    expect(demoted().length).toBeGreaterThanOrEqual(5);
    expect(new Set(demoted().map((l) => l.level))).toEqual(new Set(["debug"]));
    await bus.close();
    const error = await ensuring.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShamdanError);
    expect((error as ShamdanError).code).toBe("BUS_CLOSED");
    expect((error as ShamdanError).canRetry).toBe(false);
    // No "reachable again": Kafka never answered.
    expect(loud()).toHaveLength(1);
  });

  test("subscribe waits the same way; a closed bus refuses new waits at once", async () => {
    const { bus, attempts, loud } = waitingBus(await closedPort());
    cleanup = () => bus.close();
    const subscribing = bus.subscribe({ groupId: "g_wait", topics: ["t_wait"], onBatch: async () => {} });
    subscribing.catch(() => {});
    await waitFor("three retried attempts", () => (attempts() >= 3 ? true : undefined), 30_000, 20);
    expect(loud().map((l) => l.msg)).toEqual(["waiting for Kafka: subscribing group g_wait"]);
    await bus.close();
    expect(((await subscribing.catch((e: unknown) => e)) as ShamdanError).code).toBe("BUS_CLOSED");
    const later = await bus.ensureTopics([{ name: "t_wait" }]).catch((e: unknown) => e);
    expect((later as ShamdanError).code).toBe("BUS_CLOSED");
  });
});
