import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "@shamdan/shared/config";
import { silentLogger } from "@shamdan/shared/log";
import type { CandleMessage } from "@shamdan/shared/messages";
import { waitFor } from "@shamdan/shared/testing/integration";
import type { Candle } from "@shamdan/shared/udf";
import { type FakeNobitex, startFakeNobitex } from "./fake-nobitex.ts";
import { counterValue, createIngestMetrics } from "./metrics.ts";
import { type HistoryPage, NobitexClient } from "./nobitex-client.ts";
import { NobitexError } from "./nobitex-error.ts";
import { type CandleSource, Poller } from "./poller.ts";
import { RecordingBus } from "./testing/recording-bus.ts";

const DATA = join(import.meta.dir, "..", "data", "candles");

const config = (over: Record<string, string> = {}) =>
  loadConfig({}, { SYMBOLS: "XRPETH", BACKFILL_CANDLES: "1000", POLL_CRON: "* * * * * *", ...over });

const final = (messages: CandleMessage[]) => {
  const byTime = new Map<number, Candle>();
  for (const { openTime, open, high, low, close, volume } of messages)
    byTime.set(openTime, { openTime, open, high, low, close, volume });
  return [...byTime.values()].sort((a, b) => a.openTime - b.openTime);
};

let fake: FakeNobitex | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

test("backfill is paginated, then polls resume at the last seen open time and publish only changes", async () => {
  fake = await startFakeNobitex({
    dataDir: DATA,
    symbols: ["XRPETH"],
    limit: 1200,
    live: true,
    history: 1100,
    speed: 0,
  });
  const bus = new RecordingBus();
  const metrics = createIngestMetrics();
  const poller = new Poller({
    config: config(),
    bus,
    source: new NobitexClient({ baseUrl: fake.url }),
    metrics,
    logger: silentLogger,
    now: fake.clock.now,
  });
  const topic = bus.topics;
  expect(await poller.pollSymbol("XRPETH")).toBe("ok");
  const expected = fake.expected("XRPETH");
  const sent = () => topic.get("xrpeth_topic") ?? [];
  expect(sent()).toHaveLength(1000);
  expect(fake.stats.requests).toBe(2);
  expect(sent()[0]?.openTime).toBe(expected[101]?.openTime);
  expect(
    sent()
      .slice(0, 999)
      .map(({ v: _v, symbol: _s, resolution: _r, fetchedAt: _f, ...c }) => c),
  ).toEqual(expected.slice(101, 1100));
  expect(sent()[0]).toMatchObject({ v: 1, symbol: "XRPETH", resolution: "1" });

  await poller.pollSymbol("XRPETH"); // nothing changed: the forming candle is re-read, not re-sent
  expect(sent()).toHaveLength(1000);
  expect(await counterValue(metrics.unchanged)).toBe(1);

  fake.clock.advance(15_000); // the forming candle moved
  await poller.pollSymbol("XRPETH");
  expect(sent()).toHaveLength(1001);
  fake.clock.advance(60_000); // it closed (final values) and the next one opened
  await poller.pollSymbol("XRPETH");
  expect(sent()).toHaveLength(1003);
  fake.clock.advance(10 * 60_000);
  await poller.pollSymbol("XRPETH");
  expect(final(sent()).slice(0, -1)).toEqual(expected.slice(101, 1111));
  expect(await counterValue(metrics.published)).toBe(sent().length);
});

test("one failing symbol backs off while the others keep flowing; faults are counted", async () => {
  const calls: string[] = [];
  let t = 1_000_000 * 60_000;
  const source: CandleSource = {
    async fetchRange({ symbol }): Promise<HistoryPage> {
      calls.push(symbol);
      if (symbol === "BAD1") {
        throw new NobitexError("RATE_LIMITED", "rate_limited", "429", { canRetry: true, backOffSeconds: 30 });
      }
      const c = { openTime: t, open: 1, high: 1, low: 1, close: 1, volume: 1 };
      return { status: "ok", candles: [c], rejected: [] };
    },
  };
  const metrics = createIngestMetrics();
  const bus = new RecordingBus();
  const poller = new Poller({
    config: config({ SYMBOLS: "BAD1,GOOD1,GOOD2", POLL_CONCURRENCY: "2" }),
    bus,
    source,
    metrics,
    logger: silentLogger,
    now: () => t,
  });
  for (let i = 0; i < 6; i++) {
    await poller.runOnce();
    t += 10_000;
  }
  // BAD1 asked at 0 s, then waited the 30 s backOff (runs at 10, 20 skipped), asked again at 30 s.
  expect(calls.filter((s) => s === "BAD1")).toHaveLength(2);
  expect(calls.filter((s) => s === "GOOD1")).toHaveLength(6);
  expect(bus.topics.get("good2_topic")).toHaveLength(6);
  expect(await counterValue(metrics.faults, { symbol: "BAD1", kind: "rate_limited" })).toBe(2);
  expect(await counterValue(metrics.polls, { symbol: "BAD1", outcome: "backing_off" })).toBe(4);
  expect(poller.symbolState("BAD1")?.failures).toBe(2);
  const gauge = await metrics.backoffSeconds.get();
  expect(gauge.values.find((v) => v.labels.symbol === "BAD1")?.value).toBe(30);
});

test("a failed publish loses nothing: the same candles go out on the next poll", async () => {
  fake = await startFakeNobitex({
    dataDir: DATA,
    symbols: ["XRPETH"],
    limit: 50,
    live: true,
    history: 20,
    speed: 0,
  });
  const bus = new RecordingBus();
  const metrics = createIngestMetrics();
  const poller = new Poller({
    config: config({ BACKFILL_CANDLES: "10" }),
    bus,
    source: new NobitexClient({ baseUrl: fake.url }),
    metrics,
    logger: silentLogger,
    now: fake.clock.now,
    backoff: { baseMs: 1, maxMs: 1, maxServerBackOffMs: 1 },
  });
  bus.failPublishes = 1;
  expect(await poller.pollSymbol("XRPETH")).toBe("publish_failed");
  expect(poller.symbolState("XRPETH")?.lastSeenOpenTime).toBeUndefined();
  fake.clock.advance(1000);
  expect(await poller.pollSymbol("XRPETH")).toBe("ok");
  expect(bus.topics.get("xrpeth_topic")).toHaveLength(10);
  expect(await counterValue(metrics.faults, { kind: "publish" })).toBe(1);
});

test("a rejected candle is re-read on the next polls until it arrives valid", async () => {
  const base = 27_000_000 * 60_000;
  const candle = (m: number) => ({
    openTime: base + m * 60_000,
    open: 1,
    high: 2,
    low: 1,
    close: 2,
    volume: 1,
  });
  const froms: number[] = [];
  let rejectFirst = true;
  const source: CandleSource = {
    async fetchRange({ from }): Promise<HistoryPage> {
      froms.push(from);
      if (rejectFirst) {
        rejectFirst = false;
        return {
          status: "ok",
          candles: [candle(0), candle(2)],
          rejected: [{ index: 1, openTime: candle(1).openTime, reason: "negative_volume" }],
        };
      }
      return {
        status: "ok",
        candles: [candle(0), candle(1), candle(2)].filter((c) => c.openTime >= from * 1000),
        rejected: [],
      };
    },
  };
  const bus = new RecordingBus();
  const metrics = createIngestMetrics();
  const poller = new Poller({
    config: config(),
    bus,
    source,
    metrics,
    logger: silentLogger,
    now: () => base + 3 * 60_000,
  });
  await poller.pollSymbol("XRPETH");
  expect(poller.symbolState("XRPETH")?.pendingRejected).toEqual([candle(1).openTime]);
  await poller.pollSymbol("XRPETH");
  expect(froms[1]).toBe(candle(1).openTime / 1000);
  expect(final(bus.topics.get("xrpeth_topic") ?? [])).toEqual([candle(0), candle(1), candle(2)]);
  expect(poller.symbolState("XRPETH")?.pendingRejected).toEqual([]);
  expect(await counterValue(metrics.rejected, { reason: "negative_volume" })).toBe(1);
});

test("a restarted poller backfills an overlapping window: no gap", async () => {
  fake = await startFakeNobitex({
    dataDir: DATA,
    symbols: ["XRPETH"],
    limit: 400,
    live: true,
    history: 100,
    speed: 0,
  });
  const bus = new RecordingBus();
  const make = () =>
    new Poller({
      config: config({ BACKFILL_CANDLES: "60" }),
      bus,
      source: new NobitexClient({ baseUrl: fake?.url ?? "" }),
      metrics: createIngestMetrics(),
      logger: silentLogger,
      now: fake?.clock.now,
    });
  await make().pollSymbol("XRPETH");
  fake.clock.advance(45 * 60_000); // ingest was down for 45 minutes, less than the backfill window
  await make().pollSymbol("XRPETH");
  const times = final(bus.topics.get("xrpeth_topic") ?? []).map((c) => c.openTime);
  const expected = fake.expected("XRPETH").map((c) => c.openTime);
  expect(times).toEqual(expected.slice(100 - 59, 100 + 46));
});

test("start() ensures the topics and runs on the cron schedule until stop()", async () => {
  fake = await startFakeNobitex({
    dataDir: DATA,
    symbols: ["XRPETH", "ETHBTC"],
    limit: 30,
    live: true,
    history: 10,
  });
  const bus = new RecordingBus();
  const metrics = createIngestMetrics();
  const poller = new Poller({
    config: config({ SYMBOLS: "XRPETH,ETHBTC", BACKFILL_CANDLES: "5", TOPIC_PARTITIONS: "3" }),
    bus,
    source: new NobitexClient({ baseUrl: fake.url }),
    metrics,
    logger: silentLogger,
    now: fake.clock.now,
  });
  await poller.start();
  expect(poller.ready).toBe(true);
  expect(bus.ensured).toEqual([
    { name: "xrpeth_topic", partitions: 3, replication: 1 },
    { name: "ethbtc_topic", partitions: 3, replication: 1 },
  ]);
  await waitFor("two scheduled runs", async () =>
    (await counterValue(metrics.polls, { symbol: "ETHBTC" })) >= 3 ? true : undefined,
  );
  await poller.stop();
  const after = fake.stats.requests;
  // Proving that nothing happens needs a wait longer than one cron period (1 s).
  await Bun.sleep(1100);
  expect(fake.stats.requests).toBe(after);
});
