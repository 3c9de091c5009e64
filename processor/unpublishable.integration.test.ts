/**
 * Output the broker can never accept, on the REAL Kafka: the output topic is created with a small
 * `max.message.bytes`, so batches of rows are refused (MESSAGE_TOO_LARGE) and so are the single rows
 * longer than the limit (rows grow once the indicators warm up and carry 17-digit values). The
 * processor must publish every row that fits, in order, dead-letter each one that does not with its
 * input candle, publish its state, commit, and stay ready, instead of retrying the batch forever.
 */
import { afterAll, expect, test } from "bun:test";
import { KafkaBus } from "@shamdan/shared/adapters/kafka/kafka-bus";
import { textDecoder } from "@shamdan/shared/core/bus";
import { topicFor } from "@shamdan/shared/core/config";
import { silentLogger } from "@shamdan/shared/core/log";
import type { CandleMessage, DeadLetter, IndicatorRow } from "@shamdan/shared/core/messages";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
import { publishedRow } from "@shamdan/shared/testing/rows";
import { Kafka, logLevel } from "kafkajs";
import { Registry } from "prom-client";
import { changelogTopic, startProcessor } from "./processor.ts";
import {
  deleteKafkaResources,
  expectedRows,
  isolatedOverrides,
  publishCandles,
  recordedCandles,
  runTopics,
} from "./testing/pipeline-harness.ts";

const SYMBOLS = ["ETHBTC", "XRPETH"] as const;
const PER_SYMBOL = 150;
/** Record batch limit of the output topic: between the shortest and the longest single rows. */
const MAX_MESSAGE_BYTES = 500;

// JSON rows: their length grows with the values (binary rows all have one size), so some single rows
// fit under the limit and some do not.
const config = testConfig({
  ...isolatedOverrides(uniqueName("unpub"), SYMBOLS),
  TOPIC_PARTITIONS: "2",
  OUTPUT_FORMAT: "json",
});
const readers = [uniqueName("unpub_rows"), uniqueName("unpub_letters")];
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  await deleteKafkaResources(config, runTopics(config), [config.PROCESSOR_GROUP, ...readers]);
});

test("rows above the output topic's max.message.bytes are dead-lettered; the rest are published in order; state and offsets move on", async () => {
  await requireInfra(config);
  const admin = new Kafka({ brokers: [...config.KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  cleanup.push(() => admin.disconnect());
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: config.OUTPUT_TOPIC,
        numPartitions: 2,
        configEntries: [{ name: "max.message.bytes", value: String(MAX_MESSAGE_BYTES) }],
      },
    ],
  });
  // Uncompressed, so a row's size on the broker is its JSON length plus fixed framing.
  const bus = new KafkaBus(config, { logger: silentLogger, compression: "none" });
  cleanup.push(() => bus.close());
  const registry = new Registry();
  const processor = await startProcessor({ config, bus, logger: silentLogger, registry, sliceSize: 64 });
  cleanup.push(() => processor.stop());

  const candles = new Map(SYMBOLS.map((s) => [s, recordedCandles(s, PER_SYMBOL)]));
  for (const [symbol, series] of candles) await publishCandles(bus, config, symbol, series);
  const total = SYMBOLS.length * PER_SYMBOL;

  // Every candle ends up exactly once: as a row or as a dead letter.
  const rows: IndicatorRow[] = [];
  const letters: DeadLetter[] = [];
  const accounted = () => rows.length + letters.length >= total;
  const [rowReader, letterReader] = await Promise.all([
    bus.subscribe({
      groupId: readers[0] as string,
      topics: [config.OUTPUT_TOPIC],
      onBatch: async (b) => {
        for (const m of b.messages) rows.push(publishedRow(m.value));
      },
    }),
    bus.subscribe({
      groupId: readers[1] as string,
      topics: [config.DEAD_LETTER_TOPIC],
      onBatch: async (b) => {
        for (const m of b.messages) letters.push(JSON.parse(textDecoder.decode(m.value)));
      },
    }),
  ]);
  try {
    await waitFor("every candle as a row or a dead letter", () => (accounted() ? true : undefined), 90_000);
  } finally {
    await Promise.all([rowReader.stop(), letterReader.stop()]);
  }

  const lengthOf = (row: IndicatorRow) => Buffer.byteLength(JSON.stringify(row));
  let published = 0;
  let refusedCount = 0;
  for (const symbol of SYMBOLS) {
    const expected = expectedRows(config, symbol, candles.get(symbol) ?? []);
    const refusedTimes = new Set(
      letters
        .filter((l) => l.source.topic === topicFor(config, symbol))
        .map(
          (l) => (JSON.parse(Buffer.from(l.originalBase64, "base64").toString()) as CandleMessage).openTime,
        ),
    );
    const got = rows.filter((r) => r.symbol === symbol);
    // The output is at-least-once (a refused batch is retried in halves): keep each minute's last row.
    const last = [...new Map(got.map((r) => [r.openTime, { ...r, replaced: false }])).values()];
    expect(last).toEqual(expected.filter((r) => !refusedTimes.has(r.openTime)));
    // Order per symbol holds, duplicates included.
    expect(got.map((r) => r.openTime)).toEqual([...got.map((r) => r.openTime)].sort((a, b) => a - b));
    // What was refused is what is longer: every refused row is longer than every published one.
    const refusedRows = expected.filter((r) => refusedTimes.has(r.openTime));
    expect(refusedRows.length).toBeGreaterThan(0);
    expect(Math.min(...refusedRows.map(lengthOf))).toBeGreaterThan(Math.max(...last.map(lengthOf)));
    published += last.length;
    refusedCount += refusedRows.length;
  }
  expect(published + refusedCount).toBe(total);
  expect(published).toBeGreaterThan(total / 4);
  for (const letter of letters) {
    expect(letter.reason).toContain("unpublishable: MESSAGE_TOO_LARGE");
    expect(letter.service).toBe("processor");
    expect(letter.truncated).toBe(false);
  }

  // State published and offsets committed at the end of each input partition.
  await waitFor(
    "states and commits at the end of the input",
    async () => {
      const states = await bus.readLatestByKey(changelogTopic(config));
      for (const symbol of SYMBOLS) {
        const topic = topicFor(config, symbol);
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: config.PROCESSOR_GROUP, topics: [topic] });
        for (const { partition, offset } of ends) {
          const state = states.get(`${topic}:${partition}`);
          const next = state ? JSON.parse(textDecoder.decode(state)).nextOffset : "0";
          const commit = committed?.partitions.find((p) => p.partition === partition)?.offset;
          if (offset !== "0" && (next !== offset || commit !== offset)) return undefined;
        }
      }
      return true;
    },
    30_000,
  );
  expect(processor.ready()).toBe(true);
  const rejected = await registry.getSingleMetric("shamdan_processor_rejected_total")?.get();
  expect(rejected?.values.find((v) => v.labels.reason === "unpublishable")?.value).toBe(refusedCount);
}, 180_000);
