/**
 * The Bus contract against the REAL Kafka on 127.0.0.1:9092 (`bun run shamdan infra up`). Every
 * topic and group the contract creates is recorded and deleted in afterAll.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
// The local infra's settings belong to the CLI workspace (see kafka-bus.restart.integration.test.ts).
import { loadInfraConfig } from "../../../cli/infra/infra-config.ts";
import { type Bus, type ConsumedMessage, textDecoder } from "../../core/bus.ts";
import { KAFKA_COMPRESSIONS } from "../../core/config.ts";
import { ShamdanError } from "../../core/errors.ts";
import { busContract } from "../../testing/bus.contract.ts";
import { requireInfra, testConfig, uniqueName, waitFor } from "../../testing/integration.ts";
import { KafkaBus } from "./kafka-bus.ts";

const config = testConfig({ KAFKA_CLIENT_ID: "shamdan-bus-test" });
const topics = new Set<string>();
const groups = new Set<string>();
const admin = new KafkaBus(config);

/** A KafkaBus that remembers what it created, for the cleanup below. */
function trackedBus(options: ConstructorParameters<typeof KafkaBus>[1] = {}): KafkaBus {
  const bus = new KafkaBus(config, { retryBackoffMs: { initial: 50, max: 500 }, ...options });
  const ensureTopics = bus.ensureTopics.bind(bus);
  const subscribe = bus.subscribe.bind(bus);
  bus.ensureTopics = async (specs) => {
    for (const spec of specs) topics.add(spec.name);
    return ensureTopics(specs);
  };
  bus.subscribe = async (options) => {
    groups.add(options.groupId);
    return subscribe(options);
  };
  return bus;
}

/** Every message a fresh group of `bus` reads from `topic`, once at least `count` arrived. */
async function readAll(bus: Bus, topic: string, count: number): Promise<ConsumedMessage[]> {
  const received: ConsumedMessage[] = [];
  const subscription = await bus.subscribe({
    groupId: uniqueName("g_read"),
    topics: [topic],
    onBatch: async (batch) => {
      received.push(...batch.messages);
    },
  });
  try {
    await waitFor(
      `${count} messages on ${topic}`,
      () => (received.length >= count ? true : undefined),
      60_000,
      20,
    );
  } finally {
    await subscription.stop();
  }
  return received;
}

beforeAll(async () => {
  await requireInfra(config);
});

afterAll(async () => {
  const client = await admin.admin();
  await client.deleteGroups([...groups]).catch(() => {});
  if (topics.size > 0) await client.deleteTopics({ topics: [...topics] });
  await admin.close();
});

busContract("kafka", async () => trackedBus());

describe("KafkaBus specifics", () => {
  test("ensureTopics is idempotent and creates compacted topics with cleanup.policy=compact and the compaction lag", async () => {
    const bus = trackedBus();
    try {
      const name = uniqueName("kafka_compacted");
      const spec = { name, partitions: 2, compacted: true, minCompactionLagMs: 3_600_000 };
      await bus.ensureTopics([spec]);
      await bus.ensureTopics([spec]);
      const client = await admin.admin();
      const described = await client.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2 /* TOPIC */, name, configNames: ["cleanup.policy", "min.compaction.lag.ms"] }],
      });
      const entries = Object.fromEntries(
        (described.resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]),
      );
      expect(entries).toEqual({ "cleanup.policy": "compact", "min.compaction.lag.ms": "3600000" });
      const meta = await client.fetchTopicMetadata({ topics: [name] });
      expect(meta.topics[0]?.partitions).toHaveLength(2);
    } finally {
      await bus.close();
    }
  });

  test("publishing or subscribing to a missing topic fails with a typed error instead of hanging", async () => {
    const bus = new KafkaBus(config, { retry: { retries: 1, initialRetryTime: 100 } });
    try {
      const missing = await bus
        .publish(uniqueName("missing"), [{ key: "k", value: "v" }])
        .catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(ShamdanError);
      expect((missing as ShamdanError).code).toBe("BUS_UNKNOWN_TOPIC");
      const failure = await bus
        .subscribe({ groupId: uniqueName("g"), topics: [uniqueName("missing")], onBatch: async () => {} })
        .catch((e: unknown) => e);
      expect((failure as { code?: string }).code).toBe("BUS_SUBSCRIBE_FAILED");
    } finally {
      await bus.close();
    }
  });
  test("one publish of 5,000 x 1 KB messages (5 MB, over the broker's 1 MiB batch limit) arrives whole and in order", async () => {
    const bus = trackedBus();
    try {
      const topic = uniqueName("kafka_big_publish");
      await bus.ensureTopics([{ name: topic, partitions: 2 }]);
      const pad = "x".repeat(1024);
      // Two keys on (most likely) two partitions: order is per key.
      const messages = Array.from({ length: 5000 }, (_, i) => ({
        key: i % 2 === 0 ? "even" : "odd",
        value: `${String(i).padStart(5, "0")}${pad}`,
      }));
      await bus.publish(topic, messages);
      const received = await readAll(bus, topic, 5000);
      expect(received.length).toBe(5000);
      const seen = new Map<string, number[]>();
      for (const m of received) {
        const list = seen.get(m.key ?? "") ?? [];
        list.push(Number(textDecoder.decode(m.value).slice(0, 5)));
        seen.set(m.key ?? "", list);
      }
      const expected = (parity: number) => Array.from({ length: 2500 }, (_, i) => 2 * i + parity);
      expect(seen.get("even")).toEqual(expected(0));
      expect(seen.get("odd")).toEqual(expected(1));
    } finally {
      await bus.close();
    }
  });

  /** Bytes the broker stored for partition 0 of `topic` (the local infra's log directory). */
  const storedBytes = (topic: string) => {
    const dir = join(resolve(loadInfraConfig().SHAMDAN_HOME), "kafka", "data", `${topic}-0`);
    return readdirSync(dir)
      .filter((f) => f.endsWith(".log"))
      .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  };

  test("maxBatchBytes: with a backlog of 3 MB a batch carries over 1 MiB with the hint of 4 MiB and at most 1 MiB without, the same messages in order", async () => {
    // Random bytes do not compress: the stored size is the bytes published.
    const values = Array.from({ length: 3000 }, () => crypto.getRandomValues(new Uint8Array(1000)));
    const writer = trackedBus();
    const topic = uniqueName("kafka_batch_bytes");
    await writer.ensureTopics([{ name: topic }]);
    await writer.publish(
      topic,
      values.map((value) => ({ key: "k", value })),
    );
    await writer.close();
    const largestBatch = async (maxBatchBytes?: number) => {
      const reader = trackedBus();
      const received: Uint8Array[] = [];
      let largest = 0;
      const subscription = await reader.subscribe({
        groupId: uniqueName("g_batch_bytes"),
        topics: [topic],
        maxBatchBytes,
        onBatch: async (batch) => {
          received.push(...batch.messages.map((m) => m.value));
          largest = Math.max(
            largest,
            batch.messages.reduce((sum, m) => sum + m.value.byteLength, 0),
          );
        },
      });
      try {
        await waitFor(
          "every message",
          () => (received.length >= values.length ? true : undefined),
          60_000,
          20,
        );
      } finally {
        await subscription.stop();
        await reader.close();
      }
      expect(received).toEqual(values);
      return largest;
    };
    expect(await largestBatch()).toBeLessThanOrEqual(1024 * 1024);
    expect(await largestBatch(4 * 1024 * 1024)).toBeGreaterThan(1024 * 1024);
  });

  test("every KAFKA_COMPRESSION round-trips exactly (values, order, tombstones) and zstd/gzip shrink what the broker stores", async () => {
    // Row-like JSON with varying numbers, plus non-ASCII text and a tombstone.
    const values = Array.from({ length: 2000 }, (_, i) =>
      JSON.stringify({
        v: 1,
        symbol: "ETHBTC",
        openTime: 1_700_000_000_000 + i * 60_000,
        close: 0.05 + i * 1e-7,
        rsi: (i * 37) % 100,
        note: i === 7 ? "ریال ✓" : "",
      }),
    );
    const sizes = new Map<string, number>();
    const reader = trackedBus({ compression: "none" });
    try {
      for (const compression of KAFKA_COMPRESSIONS) {
        const writer = trackedBus({ compression });
        const topic = uniqueName(`kafka_${compression}`);
        await writer.ensureTopics([{ name: topic }]);
        await writer.publish(topic, [
          ...values.map((value) => ({ key: "ETHBTC", value })),
          { key: "gone", value: null },
        ]);
        await writer.close();
        const received = await readAll(reader, topic, values.length + 1);
        const seen = received.filter((m) => m.key !== "gone").map((m) => textDecoder.decode(m.value));
        const tombstones = received.filter((m) => m.key === "gone" && m.value.byteLength === 0).length;
        expect(seen).toEqual(values);
        expect(tombstones).toBe(1);
        sizes.set(compression, storedBytes(topic));
      }
    } finally {
      await reader.close();
    }
    const none = sizes.get("none") ?? 0;
    expect(none).toBeGreaterThan(values.join("").length);
    expect(sizes.get("zstd") ?? none).toBeLessThan(none / 3);
    expect(sizes.get("gzip") ?? none).toBeLessThan(none / 3);
  });
});
