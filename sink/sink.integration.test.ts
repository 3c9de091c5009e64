/**
 * The sink on the REAL Kafka and QuestDB, for what unit tests with a fake store cannot show:
 * - poison rows in the output topic (not JSON, wrong shape, an open time QuestDB refuses, an absurd
 *   value) never stop the group: every good row lands, each bad message is dead-lettered once, the
 *   committed offset reaches the end and later batches flow;
 * - QuestDB unreachable (connections refused, then a server that accepts and never answers, for longer
 *   than the consumer session timeout): the sink pauses without dead-lettering or committing, keeps its
 *   group membership, and resumes by itself.
 * - QuestDB's own refusals: rows of a batch that a hand-made table cannot take (HTTP 400) are
 *   dead-lettered once with QuestDB's reason through the whole sink; an open time past 9999-12-31
 *   (HTTP 500, which the sink's plausibility checks keep from reaching QuestDB) is told from an outage
 *   and isolated by bisection.
 * Each test has its own topics, group and table, removed afterwards.
 */
import { afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { KafkaBus } from "@shamdan/shared/adapters/kafka/kafka-bus";
import { QuestDbStore } from "@shamdan/shared/adapters/questdb/questdb-store";
import { columnNames } from "@shamdan/shared/adapters/store-columns";
import { textDecoder } from "@shamdan/shared/core/bus";
import type { Config } from "@shamdan/shared/core/config";
import { silentLogger } from "@shamdan/shared/core/log";
import type { DeadLetter, IndicatorRow } from "@shamdan/shared/core/messages";
import { NUMERIC_FIELDS } from "@shamdan/shared/core/store";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
import { testRow } from "@shamdan/shared/testing/rows";
import { TcpProxy } from "@shamdan/shared/testing/tcp-proxy";
import { walApplied } from "@shamdan/shared/testing/wal-applied";
import { Kafka, logLevel } from "kafkajs";
import postgres from "postgres";
import { Registry } from "prom-client";
import { type RunningSink, startSink } from "./sink.ts";
import { writeIsolating } from "./write-isolating.ts";

setDefaultTimeout(120_000);

const base = testConfig();
const MINUTE = 60_000;
/** Recent minutes: plausible open times for the sink's checks. */
const firstMinute = Math.floor(Date.now() / MINUTE) * MINUTE - 60 * MINUTE;

const row = (i: number, over: Partial<IndicatorRow> = {}): IndicatorRow =>
  testRow({
    openTime: firstMinute + i * MINUTE,
    open: 100 + i,
    high: 101 + i,
    low: 99 + i,
    close: 100.5 + i,
    volume: 2.5,
    sma: i > 4 ? 100 + i : null,
    delta: i > 0 ? 1 : null,
    gain: i > 0 ? 1 : null,
    loss: i > 0 ? 0 : null,
    ...over,
  });

interface Case {
  config: Config;
  bus: KafkaBus;
  cleanup: (() => Promise<unknown>)[];
}

const cases: Case[] = [];

function newCase(overrides: Record<string, string> = {}): Case {
  const prefix = uniqueName("sink_it");
  const config = testConfig({
    OUTPUT_TOPIC: `${prefix}_output`,
    DEAD_LETTER_TOPIC: `${prefix}_dead`,
    SINK_GROUP: `${prefix}_sink`,
    QUESTDB_TABLE: `${prefix}_data`,
    TOPIC_PARTITIONS: "1",
    ...overrides,
  });
  const bus = new KafkaBus(config, { logger: silentLogger });
  const c: Case = { config, bus, cleanup: [] };
  cases.push(c);
  return c;
}

async function startFor(c: Case, store: QuestDbStore, registry = new Registry()): Promise<RunningSink> {
  c.cleanup.push(() => store.close());
  const sink = await startSink({
    config: c.config,
    bus: c.bus,
    store,
    logger: silentLogger,
    registry,
    retry: { baseMs: 200, maxMs: 1000 },
  });
  c.cleanup.push(() => sink.stop());
  return sink;
}

const kafkaAdmin = () => new Kafka({ brokers: [...base.KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();

/** The group's committed offset of partition 0 (-1 when nothing was committed). */
async function committed(config: Config): Promise<number> {
  const admin = kafkaAdmin();
  await admin.connect();
  try {
    const [topic] = await admin.fetchOffsets({ groupId: config.SINK_GROUP, topics: [config.OUTPUT_TOPIC] });
    return Number(topic?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
  } finally {
    await admin.disconnect();
  }
}

/** Messages ever written to the dead-letter topic (its end offset: nothing is ever deleted there). */
async function letterCount(config: Config): Promise<number> {
  const admin = kafkaAdmin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(config.DEAD_LETTER_TOPIC);
    return offsets.reduce((n, o) => n + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Reads every dead letter through a fresh consumer group. */
async function readLetters(c: Case, count: number): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  const sub = await c.bus.subscribe({
    groupId: uniqueName("sink_it_reader"),
    topics: [c.config.DEAD_LETTER_TOPIC],
    async onBatch(batch) {
      for (const m of batch.messages) letters.push(JSON.parse(textDecoder.decode(m.value)) as DeadLetter);
    },
  });
  try {
    await waitFor(`${count} dead letters`, () => (letters.length >= count ? true : undefined), 30_000);
  } finally {
    await sub.stop();
  }
  return letters;
}

/** The group's members (their ids), to tell whether the sink kept its session. */
async function members(config: Config): Promise<string[]> {
  const admin = kafkaAdmin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([config.SINK_GROUP]);
    return (groups[0]?.members ?? []).map((m) => m.memberId);
  } finally {
    await admin.disconnect();
  }
}

async function storedCloses(config: Config): Promise<number[]> {
  const sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false, onnotice: () => {} });
  try {
    const rows = await sql.unsafe(`SELECT close FROM "${config.QUESTDB_TABLE}" ORDER BY local_time`);
    return rows.map((r) => Number(r.close));
  } catch {
    return [];
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const waitForCloses = (config: Config, n: number) =>
  waitFor(
    `${n} rows in QuestDB`,
    async () => {
      const closes = await storedCloses(config);
      return closes.length >= n ? closes : undefined;
    },
    60_000,
    250,
  );

const publish = (c: Case, values: (IndicatorRow | string)[]) =>
  c.bus.publish(
    c.config.OUTPUT_TOPIC,
    values.map((v) => ({ key: "AAA", value: typeof v === "string" ? v : JSON.stringify(v) })),
  );

beforeAll(async () => {
  await requireInfra(base);
});

afterEach(async () => {
  for (const c of cases.splice(0)) {
    for (const fn of c.cleanup.reverse()) await fn().catch(() => {});
    await c.bus.close().catch(() => {});
    const sql = postgres(c.config.QUESTDB_PG_URL, { max: 1, fetch_types: false, onnotice: () => {} });
    await sql.unsafe(`DROP TABLE IF EXISTS "${c.config.QUESTDB_TABLE}"`).catch(() => {});
    await sql.end({ timeout: 1 });
    const admin = kafkaAdmin();
    await admin.connect().catch(() => {});
    // Only existing ones: deleting a missing topic waits for the whole timeout.
    const existing = new Set(await admin.listTopics().catch(() => []));
    const topics = [c.config.OUTPUT_TOPIC, c.config.DEAD_LETTER_TOPIC].filter((t) => existing.has(t));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => {});
    await admin.deleteGroups([c.config.SINK_GROUP]).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
});

test("poison rows: every good row lands, each bad message is dead-lettered once, the group goes on", async () => {
  const c = newCase();
  const sink = await startFor(c, new QuestDbStore(c.config));
  const good = (from: number, n: number) => Array.from({ length: n }, (_, k) => row(from + k));
  const poison = [
    "{not json",
    '{"hello":"world"}',
    JSON.stringify(row(5, { openTime: 9_007_199_254_740_991 })),
    JSON.stringify(row(6, { close: 1e308 })),
  ];
  await publish(c, [...good(0, 5), ...poison, ...good(7, 5)]);

  const closes = await waitForCloses(c.config, 10);
  expect(closes).toEqual([...good(0, 5), ...good(7, 5)].map((r) => r.close));
  await waitFor("offset committed to the end", async () =>
    (await committed(c.config)) === 14 ? true : undefined,
  );

  const letters = await readLetters(c, 4);
  expect(letters.map((l) => l.source.offset)).toEqual(["5", "6", "7", "8"]);
  const reasons = letters.map((l) => l.reason);
  expect(reasons[0]).toStartWith("not JSON");
  expect(reasons[1]).toStartWith("schema");
  expect(reasons[2]).toContain("openTime");
  expect(reasons[3]).toContain("close");
  expect(letters.map((l) => Buffer.from(l.originalBase64, "base64").toString())).toEqual(poison);

  // The group goes on: a later batch lands, and no letter was written twice meanwhile.
  await publish(c, good(20, 3));
  expect((await waitForCloses(c.config, 13)).slice(10)).toEqual(good(20, 3).map((r) => r.close));
  await waitFor("offset committed to the end", async () =>
    (await committed(c.config)) === 17 ? true : undefined,
  );
  expect(await letterCount(c.config)).toBe(4);
  expect(sink.ready()).toBe(true);
});

test("QuestDB refuses some rows of a batch (a hand-made table types RSI_10 as INT): those are dead-lettered once with QuestDB's reason, the rest stored, the group goes on", async () => {
  const c = newCase();
  const cols = columnNames(c.config);
  const numeric = NUMERIC_FIELDS.map((f) => `"${cols[f]}" ${f === "rsi" ? "INT" : "DOUBLE"}`).join(", ");
  const sql = postgres(c.config.QUESTDB_PG_URL, { max: 1, fetch_types: false, onnotice: () => {} });
  await sql.unsafe(
    `CREATE TABLE "${c.config.QUESTDB_TABLE}" (stock_symbol SYMBOL, signal SYMBOL, local_time TIMESTAMP, ` +
      `${numeric}, signal_changed BOOLEAN) TIMESTAMP(local_time) PARTITION BY DAY WAL ` +
      "DEDUP UPSERT KEYS(local_time, stock_symbol)",
  );
  await sql.end({ timeout: 1 });
  const registry = new Registry();
  const sink = await startFor(c, new QuestDbStore(c.config), registry);
  // Rows 4 and 9 carry an RSI (a float QuestDB cannot cast to INT); the others leave it null.
  const rows = Array.from({ length: 12 }, (_, i) => row(i, i === 4 || i === 9 ? { rsi: 55.5 } : {}));
  await publish(c, rows);

  await waitFor("offset committed to the end", async () =>
    (await committed(c.config)) === 12 ? true : undefined,
  );
  expect(await waitForCloses(c.config, 10)).toEqual(
    rows.filter((_, i) => i !== 4 && i !== 9).map((r) => r.close),
  );
  const letters = await readLetters(c, 2);
  expect(letters.map((l) => l.source.offset)).toEqual(["4", "9"]);
  for (const letter of letters) {
    expect(letter.reason).toStartWith("store refused the row: QuestDB rejected the rows (HTTP 400)");
    expect(letter.reason).toContain("cast error from protocol type: FLOAT to column type: INT");
  }
  expect(JSON.parse(Buffer.from(letters[1]?.originalBase64 ?? "", "base64").toString())).toEqual(rows[9]);
  const refused = (await registry.getSingleMetric("shamdan_sink_rows_refused_total")?.get())?.values[0]
    ?.value;
  expect(refused).toBe(2);

  await publish(c, [row(20)]);
  await waitFor("offset committed to the end", async () =>
    (await committed(c.config)) === 13 ? true : undefined,
  );
  expect(await waitForCloses(c.config, 11)).toContain(row(20).close);
  expect(await letterCount(c.config)).toBe(2);
  expect(sink.ready()).toBe(true);
});

test("QuestDB's refusals: a 500 for one row while /ping answers is isolated with QuestDB's reason, every other row stored", async () => {
  const c = newCase();
  const store = new QuestDbStore(c.config);
  c.cleanup.push(() => store.close());
  await store.init();
  const items = Array.from({ length: 40 }, (_, i) =>
    i === 7 || i === 30 ? row(i, { openTime: 9_007_199_254_740_991 }) : row(i),
  );
  const result = await writeIsolating(items, {
    store,
    rowOf: (r) => r,
    retry: { baseMs: 100, maxMs: 500 },
    shouldContinue: () => true,
    heartbeat: async () => {},
  });
  expect(result.refused.map((r) => items.indexOf(r.item))).toEqual([7, 30]);
  for (const { reason } of result.refused) {
    expect(reason).toContain("HTTP 500");
    expect(reason).toContain("designated timestamp beyond 9999-12-31 is not allowed");
  }
  // 40 rows, 2 refused: 1 + 2 per level (6 levels) per refused row, plus one repeat each (a 500).
  expect(result.writes).toBeLessThanOrEqual(1 + 2 * (2 * 6 + 1));
  await walApplied(c.config);
  expect(await storedCloses(c.config)).toEqual(
    items.filter((_, i) => i !== 7 && i !== 30).map((r) => r.close),
  );
});

test("QuestDB's refusals: a column type mismatch is HTTP 400, STORE_REJECTED with QuestDB's reason, not an outage", async () => {
  const c = newCase();
  const sql = postgres(c.config.QUESTDB_PG_URL, { max: 1, fetch_types: false, onnotice: () => {} });
  // A table made by hand with a wrong type for `close`.
  await sql.unsafe(
    `CREATE TABLE "${c.config.QUESTDB_TABLE}" (stock_symbol SYMBOL, signal SYMBOL, local_time TIMESTAMP, close INT) ` +
      "TIMESTAMP(local_time) PARTITION BY DAY WAL",
  );
  await sql.end({ timeout: 1 });
  const store = new QuestDbStore(c.config);
  c.cleanup.push(() => store.close());
  await store.init();
  const error = await store.write([row(0)]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: "STORE_REJECTED", canRetry: false });
  expect(String((error as Error).message)).toContain("HTTP 400");
  expect(String((error as Error).message)).toContain(
    "cast error from protocol type: FLOAT to column type: INT",
  );
  await store.pingWrites();
});

test("QuestDB unreachable, then hung for longer than the session timeout: paused, nothing dead-lettered or committed, same group member, resumes", async () => {
  const target = /addr=([^:;]+):(\d+)/.exec(base.QUESTDB_ILP_CONF);
  const upstream = { host: target?.[1] ?? "127.0.0.1", port: Number(target?.[2] ?? 9000) };
  const proxy = new TcpProxy(upstream);
  const port = await proxy.start();
  // A request that hangs is given up after 12 s: longer than the 10 s session timeout, so only
  // heartbeats during the write keep the member in the group.
  const c = newCase({ QUESTDB_ILP_CONF: `http::addr=127.0.0.1:${port};request_timeout=12000;` });
  c.cleanup.push(() => proxy.stop());
  const sink = await startFor(c, new QuestDbStore(c.config));

  await publish(c, [row(0), row(1), row(2)]);
  await waitForCloses(c.config, 3);
  await waitFor("first commit", async () => ((await committed(c.config)) === 3 ? true : undefined));
  const before = await members(c.config);
  expect(before).toHaveLength(1);

  // Refused connections.
  await proxy.stop();
  await publish(c, [row(3), "{not json", row(4)]);
  await waitFor("paused", () => (sink.ready() ? undefined : true));
  // Hung: connections accepted, never answered.
  const hole = new TcpProxy(upstream, "blackhole");
  hole.port = port;
  await hole.start();
  c.cleanup.push(() => hole.stop());
  await Bun.sleep(16_000);
  expect(sink.ready()).toBe(false);
  expect(await committed(c.config)).toBe(3);
  expect(await letterCount(c.config)).toBe(0);
  expect(await storedCloses(c.config)).toHaveLength(3);
  expect(await members(c.config)).toEqual(before);

  // Back.
  await hole.stop();
  proxy.port = port;
  await proxy.start();
  expect(await waitForCloses(c.config, 5)).toEqual([0, 1, 2, 3, 4].map((i) => row(i).close));
  await waitFor("offset committed to the end", async () =>
    (await committed(c.config)) === 6 ? true : undefined,
  );
  expect(await letterCount(c.config)).toBe(1);
  expect((await readLetters(c, 1))[0]?.source.offset).toBe("4");
  expect(await members(c.config)).toEqual(before);
  await waitFor("ready again", () => (sink.ready() ? true : undefined));
});
