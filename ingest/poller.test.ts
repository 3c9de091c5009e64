import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "@shamdan/shared/core/config";
import { createLogger, silentLogger } from "@shamdan/shared/core/log";
import type { CandleMessage } from "@shamdan/shared/core/messages";
import type { Candle } from "@shamdan/shared/core/udf";
import { waitFor } from "@shamdan/shared/testing/integration";
import { type FakeNobitex, startFakeNobitex } from "./fake-nobitex.ts";
import { counterValue, createIngestMetrics } from "./metrics.ts";
import { type HistoryPage, NobitexClient } from "./nobitex-client.ts";
import { NobitexError } from "./nobitex-error.ts";
import { type CandleSource, Poller } from "./poller.ts";
import { RecordingBus } from "./testing/recording-bus.ts";

const DATA = join(import.meta.dir, "..", "data", "candles");

const config = (over: Record<string, string> = {}) =>
  loadConfig({}, { SYMBOLS: "XRPETH", BACKFILL_CANDLES: "1000", POLL_CRON: "* * * * * *", ...over });
/** For sources that answer every range alike: a backfill of one page asks them once per poll. */
const onePage = (over: Record<string, string> = {}) => config({ BACKFILL_CANDLES: "500", ...over });

const final = (messages: CandleMessage[]) => {
  const byTime = new Map<number, Candle>();
  for (const { openTime, open, high, low, close, volume } of messages)
    byTime.set(openTime, { openTime, open, high, low, close, volume });
  return [...byTime.values()].sort((a, b) => a.openTime - b.openTime);
};

let fake: FakeNobitex | undefined;
let stopAfter: Poller[] = [];
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  for (const poller of stopAfter) await poller.stop();
  stopAfter = [];
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
  let t = Date.UTC(2024, 0, 1);
  const source: CandleSource = {
    async fetchRange({ symbol }): Promise<HistoryPage> {
      calls.push(symbol);
      if (symbol === "BAD1") {
        throw new NobitexError("RATE_LIMITED", "rate_limited", "429", { backOffSeconds: 30 });
      }
      const c = { openTime: t, open: 1, high: 1, low: 1, close: 1, volume: 1 };
      return { status: "ok", candles: [c], rejected: [] };
    },
  };
  const metrics = createIngestMetrics();
  const bus = new RecordingBus();
  const poller = new Poller({
    config: onePage({ SYMBOLS: "BAD1,GOOD1,GOOD2", POLL_CONCURRENCY: "2" }),
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
    config: onePage(),
    bus,
    source,
    metrics,
    logger: silentLogger,
    now: () => base + 3 * 60_000,
  });
  await poller.pollSymbol("XRPETH");
  expect(poller.symbolState("XRPETH")?.pendingRejected).toEqual([candle(1).openTime]);
  await poller.pollSymbol("XRPETH");
  // The re-read starts at the last candle published (inclusive), before the rejected one.
  expect(froms[1]).toBe(candle(0).openTime / 1000);
  expect(final(bus.topics.get("xrpeth_topic") ?? [])).toEqual([candle(0), candle(1), candle(2)]);
  // Published in time order: candle 2 was held back until candle 1 arrived valid.
  expect((bus.topics.get("xrpeth_topic") ?? []).map((m) => m.openTime)).toEqual(
    [candle(0), candle(1), candle(2)].map((c) => c.openTime),
  );
  expect(poller.symbolState("XRPETH")?.pendingRejected).toEqual([]);
  expect(await counterValue(metrics.rejected, { reason: "negative_volume" })).toBe(1);
});

test("a candle rejected on every re-read is given up, and the candles held behind it go out in order", async () => {
  const base = 27_000_000 * 60_000;
  const candle = (m: number) => ({
    openTime: base + m * 60_000,
    open: 1,
    high: 2,
    low: 1,
    close: 2,
    volume: 1,
  });
  const source: CandleSource = {
    async fetchRange({ from }): Promise<HistoryPage> {
      return {
        status: "ok",
        candles: [candle(0), candle(2), candle(3)].filter((c) => c.openTime >= from * 1000),
        rejected: [{ index: 1, openTime: candle(1).openTime, reason: "negative_volume" }],
      };
    },
  };
  const bus = new RecordingBus();
  const poller = new Poller({
    config: onePage(),
    bus,
    source,
    metrics: createIngestMetrics(),
    logger: silentLogger,
    now: () => base + 4 * 60_000,
    maxRereads: 2,
  });
  const published = () => (bus.topics.get("xrpeth_topic") ?? []).map((m) => m.openTime);
  await poller.pollSymbol("XRPETH");
  await poller.pollSymbol("XRPETH");
  expect(published()).toEqual([candle(0).openTime]);
  await poller.pollSymbol("XRPETH"); // third rejection: given up
  expect(published()).toEqual([candle(0), candle(2), candle(3)].map((c) => c.openTime));
  expect(poller.symbolState("XRPETH")?.pendingRejected).toEqual([]);
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

/** A logger that keeps every line (level, msg, fields) for assertions. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger("debug", {}, (line) => lines.push(JSON.parse(line)));
  const count = (level: string, msg: string) =>
    lines.filter((l) => l.level === level && l.msg === msg).length;
  return { logger, lines, count };
}

test("implausible candles (before 2010, over a day ahead, absurd values) are dropped and counted by reason", async () => {
  const now = Date.UTC(2024, 5, 1, 12, 0);
  const minute = (m: number) => now - 10 * 60_000 + m * 60_000;
  const good = (m: number) => ({ openTime: minute(m), open: 10, high: 11, low: 9, close: 10.5, volume: 3 });
  const froms: number[] = [];
  const source: CandleSource = {
    async fetchRange({ from }): Promise<HistoryPage> {
      froms.push(from);
      return {
        status: "ok",
        candles: [
          { ...good(0), openTime: Date.UTC(2005, 0, 1) },
          good(1),
          { ...good(2), high: 1e19, close: 1e19 },
          good(3),
          { ...good(4), openTime: now + 2 * 24 * 60 * 60_000 },
        ],
        rejected: [],
      };
    },
  };
  const bus = new RecordingBus();
  const metrics = createIngestMetrics();
  const poller = new Poller({
    config: onePage(),
    bus,
    source,
    metrics,
    logger: silentLogger,
    now: () => now,
  });
  expect(await poller.pollSymbol("XRPETH")).toBe("ok");
  // good(3) waits behind the absurd value at minute 2, which is re-read (time order is kept).
  expect(final(bus.topics.get("xrpeth_topic") ?? [])).toEqual([good(1)]);
  expect(await counterValue(metrics.rejected, { reason: "implausible_time" })).toBe(2);
  expect(await counterValue(metrics.rejected, { reason: "implausible_value" })).toBe(1);
  // An absurd value may be a transient glitch: re-read. An implausible time is not: the next poll's
  // window must not stretch back to 2005.
  expect(poller.symbolState("XRPETH")?.pendingRejected).toEqual([good(2).openTime]);
  await poller.pollSymbol("XRPETH");
  expect(froms[1]).toBe(good(1).openTime / 1000);
});

test("readiness: not ready while every symbol's polls fail, with one log line per change, ready again after a success", async () => {
  let t = Date.UTC(2024, 0, 1);
  let down = true;
  const source: CandleSource = {
    async fetchRange({ symbol }): Promise<HistoryPage> {
      if (down || symbol === "BAD1")
        throw new NobitexError("UPSTREAM_UNAVAILABLE", "network", "request failed: ConnectionRefused");
      return {
        status: "ok",
        candles: [{ openTime: t - 60_000, open: 1, high: 1, low: 1, close: 1, volume: 1 }],
        rejected: [],
      };
    },
  };
  const { logger, lines, count } = capturingLogger();
  const metrics = createIngestMetrics();
  const poller = new Poller({
    config: config({ SYMBOLS: "BAD1,GOOD1", BACKFILL_CANDLES: "5", POLL_CRON: "0 0 1 1 *" }),
    bus: new RecordingBus(),
    source,
    metrics,
    logger,
    now: () => t,
    backoff: { baseMs: 1, maxMs: 1, maxServerBackOffMs: 1 },
  });
  // Offline from the start: the first run fails for every symbol, so start() ends not ready.
  await poller.start(); // the schedule (yearly) never fires during the test: runs are driven below
  stopAfter.push(poller);
  expect(poller.ready).toBe(false);
  for (let i = 0; i < 20; i++) {
    t += 10_000;
    await poller.runOnce();
  }
  expect(poller.ready).toBe(false);
  expect(await counterValue(metrics.faults, { kind: "network" })).toBe(42);
  // 42 identical failures: one warning per symbol, one not-ready line naming what to check.
  expect(count("warn", "poll failed")).toBe(2);
  expect(count("error", "ingest not ready: every symbol's polls fail")).toBe(1);
  const notReady = lines.find((l) => l.level === "error");
  expect(notReady?.check).toContain("NOBITEX_BASE_URL");
  expect(notReady?.check).toContain("bun start --demo");
  expect(notReady?.error).toContain("ConnectionRefused");
  expect(poller.symbolState("GOOD1")).toMatchObject({
    status: "failing",
    failures: 21,
    lastError: expect.stringContaining("ConnectionRefused"),
    lastErrorKind: "network",
  });

  // Nobitex answers again for GOOD1: ready, one line; BAD1 keeps failing without new warnings.
  down = false;
  t += 10_000;
  await poller.runOnce();
  expect(poller.ready).toBe(true);
  expect(count("info", "ingest ready again: polls succeed")).toBe(1);
  expect(count("info", "polls work again")).toBe(1);
  expect(poller.symbolState("GOOD1")).toMatchObject({ status: "ok", failures: 0 });
  expect(poller.symbolState("BAD1")).toMatchObject({ status: "failing" });
  for (let i = 0; i < 5; i++) {
    t += 10_000;
    await poller.runOnce();
  }
  expect(poller.ready).toBe(true);
  expect(count("warn", "poll failed")).toBe(2);
  expect(count("error", "ingest not ready: every symbol's polls fail")).toBe(1);
});

test("readiness: a symbol that worked stays ready through a blip; failing after 3 failed polls in a row", async () => {
  let t = Date.UTC(2024, 0, 1);
  let fail = false;
  const source: CandleSource = {
    async fetchRange(): Promise<HistoryPage> {
      if (fail) throw new NobitexError("UPSTREAM_UNAVAILABLE", "upstream_5xx", "HTTP 502");
      return {
        status: "ok",
        candles: [{ openTime: t - 60_000, open: 1, high: 1, low: 1, close: 1, volume: 1 }],
        rejected: [],
      };
    },
  };
  const { logger, count } = capturingLogger();
  const poller = new Poller({
    config: config({ BACKFILL_CANDLES: "5", POLL_CRON: "0 0 1 1 *" }),
    bus: new RecordingBus(),
    source,
    metrics: createIngestMetrics(),
    logger,
    now: () => t,
    backoff: { baseMs: 1, maxMs: 1, maxServerBackOffMs: 1 },
  });
  await poller.start(); // the schedule (yearly) never fires during the test: runs are driven below
  stopAfter.push(poller);
  expect(poller.ready).toBe(true);
  fail = true;
  const readiness: boolean[] = [];
  for (let i = 0; i < 3; i++) {
    t += 10_000;
    await poller.runOnce();
    readiness.push(poller.ready);
  }
  expect(readiness).toEqual([true, true, false]);
  expect(poller.symbolState("XRPETH")?.status).toBe("failing");
  expect(count("warn", "poll failed")).toBe(1);
  expect(count("error", "ingest not ready: every symbol's polls fail")).toBe(1);
});

test("readiness: failures lasting a minute count as failing even when fewer than 3 polls were tried", async () => {
  let t = Date.UTC(2024, 0, 1);
  let fail = false;
  const source: CandleSource = {
    async fetchRange(): Promise<HistoryPage> {
      if (fail) throw new NobitexError("RATE_LIMITED", "rate_limited", "HTTP 429");
      return { status: "no_data", candles: [], rejected: [] };
    },
  };
  const poller = new Poller({
    config: onePage({ POLL_CRON: "0 0 1 1 *" }),
    bus: new RecordingBus(),
    source,
    metrics: createIngestMetrics(),
    logger: silentLogger,
    now: () => t,
  });
  await poller.start(); // the schedule (yearly) never fires during the test: runs are driven below
  stopAfter.push(poller);
  fail = true;
  await poller.pollSymbol("XRPETH");
  expect(poller.ready).toBe(true);
  t += 61_000;
  await poller.pollSymbol("XRPETH");
  expect(poller.symbolState("XRPETH")?.failures).toBe(2);
  expect(poller.ready).toBe(false);
});

test("a long backfill is read several pages at a time, through 429s and 5xx, and published in time order, every candle once", async () => {
  const symbols = ["AAAIRT", "BBBIRT", "CCCIRT"];
  fake = await startFakeNobitex({
    dataDir: DATA,
    synthetic: { symbols, count: 6000, seed: 3 },
    faults: { rate429: 0.03, backOffSeconds: 1, rate5xx: 0.15 },
    seed: 5,
  });
  const bus = new RecordingBus();
  // Per symbol: until when its last 429 asked to wait, and requests sent before that (there must be none).
  const blockedUntil = new Map<string, number>();
  let sentWhileBlocked = 0;
  const client = new NobitexClient({ baseUrl: fake.url });
  const source: CandleSource = {
    async fetchRange(query, signal) {
      if (Date.now() < (blockedUntil.get(query.symbol) ?? 0)) sentWhileBlocked++;
      try {
        return await client.fetchRange(query, signal);
      } catch (error) {
        const backOff = error instanceof NobitexError ? error.backOffSeconds : undefined;
        if (backOff !== undefined) blockedUntil.set(query.symbol, Date.now() + backOff * 1000);
        throw error;
      }
    },
  };
  const poller = new Poller({
    config: config({
      SYMBOLS: symbols.join(","),
      BACKFILL_CANDLES: "6000",
      BACKFILL_CONCURRENCY: "3",
      POLL_CONCURRENCY: "2",
    }),
    bus,
    source,
    metrics: createIngestMetrics(),
    logger: silentLogger,
    backoff: { baseMs: 1, maxMs: 5, maxServerBackOffMs: 2000 },
  });
  stopAfter.push(poller);
  const done = () =>
    symbols.every((s) => poller.symbolState(s)?.lastSeenOpenTime === fake?.expected(s).at(-1)?.openTime);
  // A page failing all its tries fails that poll; the next one continues where it stopped.
  for (let run = 0; run < 5 && !done(); run++) {
    await poller.runOnce();
    await Bun.sleep(10);
  }
  for (const symbol of symbols) {
    const times = (bus.topics.get(`${symbol.toLowerCase()}_topic`) ?? []).map((m) => m.openTime);
    expect(times).toEqual(fake.expected(symbol).map((c) => c.openTime));
  }
  expect(fake.stats.faults.rate429).toBeGreaterThan(0);
  expect(fake.stats.faults.upstream5xx).toBeGreaterThan(0);
  // No request goes out once a 429 arrived until its backOff passed; only those already in flight then
  // (at most BACKFILL_CONCURRENCY - 1 per 429) reach the server inside it.
  expect(sentWhileBlocked).toBe(0);
  expect(fake.stats.backoffViolations).toBeLessThanOrEqual(2 * fake.stats.faults.rate429);
});
