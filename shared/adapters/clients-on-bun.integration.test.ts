/**
 * Proves the client libraries the design card chose work on Bun against the real servers:
 * kafkajs (produce + consume round trip) and @questdb/nodejs-client (ILP over HTTP with
 * `stdlib_http=on`, see questdb-conf.ts) + postgres.js (PG-wire read).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Sender } from "@questdb/nodejs-client";
import { Kafka, logLevel } from "kafkajs";
import postgres from "postgres";
import { requireInfra, testConfig, uniqueName, waitFor } from "../testing/integration.ts";
import { ilpConfForBun } from "./questdb/questdb-conf.ts";

const config = testConfig();
const kafka = new Kafka({
  clientId: "clients-on-bun",
  brokers: [...config.KAFKA_BROKERS],
  logLevel: logLevel.NOTHING,
});
const sql = postgres(config.QUESTDB_PG_URL, { max: 1, onnotice: () => {} });
const topic = uniqueName("it_roundtrip");
const table = uniqueName("it_roundtrip");

beforeAll(async () => {
  await requireInfra(config);
});

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  await sql.unsafe(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await sql.end();
});

test("kafkajs round-trips a keyed message through the real broker", async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();

  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [{ key: "BTCIRT", value: JSON.stringify({ close: 12161000001 }) }],
  });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: uniqueName("it_group") });
  const received: { key: string | undefined; value: string | undefined }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      received.push({ key: message.key?.toString(), value: message.value?.toString() });
    },
  });
  await waitFor("the message to come back", () => (received.length > 0 ? true : undefined), 30_000);
  await consumer.disconnect();
  expect(received).toEqual([{ key: "BTCIRT", value: '{"close":12161000001}' }]);
});

test("an ILP row written over HTTP is read back over PG wire with its exact values", async () => {
  const openTime = Date.UTC(2026, 6, 25, 12, 30);
  const sender = await Sender.fromConfig(ilpConfForBun(config.QUESTDB_ILP_CONF));
  await sender
    .table(table)
    .symbol("stock_symbol", "BTCIRT")
    .floatColumn("close", 12161000001)
    .floatColumn("volume", 0.64692989)
    .at(openTime, "ms");
  await sender.flush();
  await sender.close();

  // Timestamps are read as epoch microseconds: postgres.js would parse a TIMESTAMP as local time.
  const rows = await waitFor("the row to be visible", async () => {
    const found = await sql.unsafe(
      `SELECT stock_symbol, close, volume, cast(timestamp AS long) AS micros FROM ${table}`,
    );
    return found.length > 0 ? found : undefined;
  });
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ stock_symbol: "BTCIRT", close: 12161000001, volume: 0.64692989 });
  expect(Number(rows[0]?.micros)).toBe(openTime * 1000);
});
