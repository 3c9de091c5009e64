/**
 * `shamdan notify` as its own service on the real Kafka: a consumer group on the output topic, rows
 * published to it become one webhook message per symbol and candle (re-deliveries of the same candle
 * and history are not sent), /readyz answers, SIGTERM stops it with exit 0.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { KafkaBus } from "@shamdan/shared/adapters/kafka/kafka-bus";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { RowEncoder } from "@shamdan/shared/core/row-codec";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
import { testRow } from "@shamdan/shared/testing/rows";

const root = join(import.meta.dir, "../..");
const config = testConfig();
const bus = new KafkaBus(config);
afterAll(() => bus.close());

const MINUTE = 60_000;

test("notify consumes OUTPUT_TOPIC and posts each live change once", async () => {
  await requireInfra(config);
  const topic = uniqueName("notify_out");
  await bus.ensureTopics([{ name: topic }]);
  const received: Array<Record<string, unknown>> = [];
  const webhook = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      received.push((await req.json()) as Record<string, unknown>);
      return new Response("ok");
    },
  });
  // A free port for the health server.
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const healthPort = probe.port;
  await probe.stop(true);

  const proc = Bun.spawn(["bun", "cli/main.ts", "notify"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      KAFKA_BROKERS: config.KAFKA_BROKERS.join(","),
      OUTPUT_TOPIC: topic,
      NOTIFY_GROUP: uniqueName("notify"),
      WEBHOOK_URL: webhook.url.href,
      HEALTH_PORT: String(healthPort),
      LOG_LEVEL: "warn",
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    await waitFor(
      "notify ready",
      async () =>
        (await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined))?.ok ? true : undefined,
      30_000,
      200,
    );
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    // Rows as the processor writes them by default (binary), ETHIRT's as JSON: notify reads both.
    const row = (fields: Partial<IndicatorRow>) => ({
      key: fields.symbol ?? "BTCIRT",
      value: new RowEncoder(fields.symbol === "ETHIRT" ? "json" : "binary").encode(
        testRow({ symbol: "BTCIRT", openTime: now, signal: "BUY", signalChanged: true, ...fields }),
      ),
    });
    // A new group starts at the end of the topic once assigned: publish the same rows until one lands;
    // the same candle again is never a second message.
    await waitFor(
      "a webhook message",
      async () => {
        if (received.length > 0) return true;
        await bus.publish(topic, [
          row({ symbol: "ETHIRT", openTime: now - 30 * MINUTE }), // history
          row({ symbol: "USDTIRT", signal: "HOLD" }), // a change to HOLD
          row({}),
        ]);
        return undefined;
      },
      60_000,
      500,
    );
    // Another symbol's change and a re-delivery of the announced candle, after it.
    await bus.publish(topic, [row({ signal: "SELL" }), row({ symbol: "ETHIRT", signal: "SELL" })]);
    await waitFor("the second message", () => (received.length >= 2 ? true : undefined), 30_000);
    await Bun.sleep(500);
    expect(received.map((m) => [m.symbol, m.signal, m.openTime])).toEqual([
      ["BTCIRT", "BUY", new Date(now).toISOString()],
      ["ETHIRT", "SELL", new Date(now).toISOString()],
    ]);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  } finally {
    proc.kill("SIGKILL");
    await webhook.stop(true);
  }
}, 120_000);
