/**
 * Ingest end to end against the REAL Kafka: the croner poller polls the fake
 * Nobitex in live mode on an accelerated clock while every fault is injected (429 with backOff, 5xx,
 * slow answers past the client timeout, malformed bodies, invalid candles). Each topic must end with
 * exactly the recording: every open time present, the last message per open time equal to the
 * recorded (final) candle, no two consecutive messages for one open time identical; the faults are
 * counted in the metrics and no request broke a 429's backOff. The fake's fault schedule serves every
 * enabled kind within its first requests (fault-schedule.ts), so "each fault happened" is certain, not
 * likely: the test waits for the schedule to owe nothing before it asserts.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { KafkaBus } from "@shamdan/shared/adapters/kafka/kafka-bus";
import type { ConsumedMessage } from "@shamdan/shared/core/bus";
import { textDecoder } from "@shamdan/shared/core/bus";
import { topicFor } from "@shamdan/shared/core/config";
import { silentLogger } from "@shamdan/shared/core/log";
import { type CandleMessage, CandleMessageSchema } from "@shamdan/shared/core/messages";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
import * as v from "valibot";
import { type FakeNobitex, startFakeNobitex } from "./fake-nobitex.ts";
import { counterValue, createIngestMetrics } from "./metrics.ts";
import { NobitexClient } from "./nobitex-client.ts";
import { Poller } from "./poller.ts";

const SYMBOLS = ["ETCBTC", "ETHBTC", "XRPETH"];
const config = testConfig({
  SYMBOLS: SYMBOLS.join(","),
  TOPIC_TEMPLATE: `${uniqueName("it_ingest")}_{symbol}`,
  POLL_CRON: "* * * * * *",
  BACKFILL_CANDLES: "500",
  POLL_CONCURRENCY: "3",
  KAFKA_CLIENT_ID: "shamdan-ingest-it",
});
const topics = SYMBOLS.map((s) => topicFor(config, s));
const group = uniqueName("it_ingest_reader");
const bus = new KafkaBus(config);
let fake: FakeNobitex | undefined;
let poller: Poller | undefined;

beforeAll(async () => {
  await requireInfra(config);
});

afterAll(async () => {
  await poller?.stop();
  await fake?.stop();
  const admin = await bus.admin();
  await admin.deleteGroups([group]).catch(() => {});
  await admin.deleteTopics({ topics }).catch(() => {});
  await bus.close();
});

test("under every fault, each topic ends with exactly the recorded candles", async () => {
  fake = await startFakeNobitex({
    dataDir: join(import.meta.dir, "..", "data", "candles"),
    symbols: SYMBOLS,
    limit: 300,
    live: true,
    history: 100,
    // ~17 recorded minutes per real second: the 200 live candles (gaps included) take ~15 s.
    speed: 1000,
    seed: 7,
    faults: {
      rate429: 0.1,
      backOffSeconds: 12,
      rate5xx: 0.1,
      slowRate: 0.12,
      slowMs: 600,
      malformedRate: 0.1,
      invalidCandleRate: 0.3,
    },
  });
  const metrics = createIngestMetrics();
  poller = new Poller({
    config,
    bus,
    source: new NobitexClient({ baseUrl: fake.url, timeoutMs: 250 }),
    metrics,
    logger: silentLogger,
    now: fake.clock.now,
  });
  const started = performance.now();
  await poller.start();
  const end = fake.endTime;
  // Done when every symbol had a successful poll after its last candle closed, and every fault kind
  // reached the client (the schedule guarantees that early on; this only waits for it).
  await waitFor(
    "a successful poll of every symbol after the recording ended, every fault served",
    async () => {
      const { values } = await metrics.lastSuccess.get();
      const done = SYMBOLS.every(
        (s) => (values.find((x) => x.labels.symbol === s)?.value ?? 0) * 1000 >= end,
      );
      return done && fake?.owedFaults().length === 0 ? true : undefined;
    },
    50_000,
    200,
  );
  await poller.stop();
  const polledMs = performance.now() - started;

  const received = new Map<string, CandleMessage[]>(SYMBOLS.map((s) => [s, []]));
  let total = 0;
  const subscription = await bus.subscribe({
    groupId: group,
    topics,
    fromBeginning: true,
    onBatch: async ({ messages }) => {
      for (const m of messages as ConsumedMessage[]) {
        const message = v.parse(CandleMessageSchema, JSON.parse(textDecoder.decode(m.value)));
        expect(m.key).toBe(message.symbol);
        received.get(message.symbol)?.push(message);
        total++;
      }
    },
  });
  const published = await counterValue(metrics.published);
  await waitFor("every published message read back", () => (total >= published ? true : undefined), 30_000);
  await subscription.stop();
  expect(total).toBe(published);

  for (const symbol of SYMBOLS) {
    const messages = received.get(symbol) ?? [];
    const last = new Map<number, CandleMessage>();
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i] as CandleMessage;
      const previous = last.get(m.openTime);
      if (previous) {
        // A re-publish for an open time must carry different values (no unchanged duplicates).
        const same = ["open", "high", "low", "close", "volume"].every(
          (k) => previous[k as keyof CandleMessage] === m[k as keyof CandleMessage],
        );
        expect(same).toBe(false);
      }
      last.set(m.openTime, m);
    }
    const finals = [...last.values()]
      .sort((a, b) => a.openTime - b.openTime)
      .map(({ openTime, open, high, low, close, volume }) => ({ openTime, open, high, low, close, volume }));
    expect(finals).toEqual(fake.expected(symbol));
  }

  expect(fake.owedFaults()).toEqual([]);
  for (const served of Object.values(fake.stats.faults)) expect(served).toBeGreaterThan(0);
  const faults = async (kind: string) => counterValue(metrics.faults, { kind });
  for (const kind of ["rate_limited", "upstream_5xx", "timeout", "malformed"])
    expect(await faults(kind)).toBeGreaterThan(0);
  expect(await counterValue(metrics.rejected)).toBeGreaterThan(0);
  expect(fake.stats.faults.invalidCandle).toBeGreaterThan(0);
  expect(fake.stats.backoffViolations).toBe(0);
  // Dedup kept the stream near one message per candle: forming updates only, no re-sent finals.
  expect(published).toBeLessThan(3 * 300 * 2);
  process.stderr.write(
    `ingest IT: ${published} messages for ${3 * 300} candles, ${fake.stats.requests} requests, faults ${JSON.stringify(fake.stats.faults)}, polling ${(polledMs / 1000).toFixed(1)} s\n`,
  );
}, 90_000);
