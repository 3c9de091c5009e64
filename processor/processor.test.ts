import { afterEach, describe, expect, test } from "bun:test";
import { type CandleInput, computeSeries } from "@shamdan/indicators";
import { MemoryBus } from "@shamdan/shared/adapters/memory/memory-bus";
import { type Bus, type OutgoingMessage, textDecoder } from "@shamdan/shared/core/bus";
import { loadConfig, topicFor } from "@shamdan/shared/core/config";
import { engineSettings } from "@shamdan/shared/core/engine-settings";
import { ShamdanError } from "@shamdan/shared/core/errors";
import { createLogger, silentLogger } from "@shamdan/shared/core/log";
import type { CandleMessage, DeadLetter, IndicatorRow } from "@shamdan/shared/core/messages";
import { waitFor } from "@shamdan/shared/testing/integration";
import { publishedRow } from "@shamdan/shared/testing/rows";
import { Registry } from "prom-client";
import { changelogTopic, type RunningProcessor, startProcessor } from "./processor.ts";
import { laterStateReplaces } from "./recovery.ts";

const config = loadConfig({}, { BUS: "memory", SYMBOLS: "AAA,BBB", TOPIC_PARTITIONS: "2" });
const settings = engineSettings(config);

/** A deterministic random walk: enough candles to warm every indicator up and change signals. */
function candles(count: number, seed: number, start = 1_700_000_000_000): CandleInput[] {
  let x = seed;
  let close = 100 + seed;
  return Array.from({ length: count }, (_, i) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const open = close;
    close = Math.max(1, open + ((x % 1000) - 500) / 100);
    return {
      openTime: start + i * 60_000,
      open,
      high: Math.max(open, close) + 0.5,
      low: Math.min(open, close) - 0.5,
      close,
      volume: (x % 997) / 7,
    };
  });
}

const message = (symbol: string, c: CandleInput): CandleMessage => ({
  v: 1,
  symbol,
  resolution: "1",
  fetchedAt: c.openTime + 1000,
  ...c,
});

function expectedRows(symbol: string, series: CandleInput[]): IndicatorRow[] {
  return computeSeries(settings, series).flatMap(({ candle, step }) =>
    step.ok
      ? [
          {
            v: 1 as const,
            symbol,
            ...candle,
            ...step.values,
            signal: step.signal,
            signalChanged: step.signalChanged,
            replaced: step.replaced,
          },
        ]
      : [],
  );
}

const publishCandles = (bus: Bus, symbol: string, series: CandleInput[]) =>
  bus.publish(
    topicFor(config, symbol),
    series.map((c) => ({ key: symbol, value: JSON.stringify(message(symbol, c)) })),
  );

/** Every row on the output topic, in order per symbol (key = symbol keeps a symbol on one partition). */
async function outputRows(bus: Bus, groupId: string, count: number): Promise<IndicatorRow[]> {
  const rows: IndicatorRow[] = [];
  const sub = await bus.subscribe({
    groupId,
    topics: [config.OUTPUT_TOPIC],
    onBatch: async (batch) => {
      for (const m of batch.messages) rows.push(publishedRow(m.value));
    },
  });
  try {
    await waitFor(`${count} output rows`, () => (rows.length >= count ? true : undefined), 10_000);
  } finally {
    await sub.stop();
  }
  return rows;
}
const bySymbol = (rows: IndicatorRow[], symbol: string) => rows.filter((r) => r.symbol === symbol);

/** `inner`, except that a publish for which `fails` says so throws as a broker outage would. */
function failingPublishes(inner: Bus, fails: (topic: string, messages: OutgoingMessage[]) => boolean): Bus {
  return {
    ensureTopics: (t) => inner.ensureTopics(t),
    subscribe: (o) => inner.subscribe(o),
    readLatestByKey: (t, o) => inner.readLatestByKey(t, o),
    close: () => inner.close(),
    async publish(topic, messages) {
      if (fails(topic, messages)) throw new Error("broker unavailable");
      await inner.publish(topic, messages);
    },
  };
}

/**
 * `inner`, except that a row publish containing a row `refuses` picks fails for good, as Kafka refuses a
 * record batch with a record above the topic's `max.message.bytes` (KafkaBus wraps kafkajs's error).
 */
function refusingRows(inner: Bus, refuses: (row: IndicatorRow) => boolean): Bus & { refusals: number } {
  const bus = {
    refusals: 0,
    ensureTopics: (t: Parameters<Bus["ensureTopics"]>[0]) => inner.ensureTopics(t),
    subscribe: (o: Parameters<Bus["subscribe"]>[0]) => inner.subscribe(o),
    readLatestByKey: (t: string, o?: Parameters<Bus["readLatestByKey"]>[1]) => inner.readLatestByKey(t, o),
    close: () => inner.close(),
    async publish(topic: string, messages: OutgoingMessage[]) {
      if (topic === config.OUTPUT_TOPIC && messages.some((m) => refuses(publishedRow(m.value)))) {
        bus.refusals++;
        const kafkaError = Object.assign(
          new Error("The request included a message larger than the max message size the server will accept"),
          { name: "KafkaJSProtocolError", type: "MESSAGE_TOO_LARGE", retriable: false },
        );
        throw new ShamdanError("BUS_PUBLISH_FAILED", `publishing to ${topic}: ${kafkaError.message}`, false, {
          cause: kafkaError,
        });
      }
      await inner.publish(topic, messages);
    },
  };
  return bus;
}

async function readDeadLetters(bus: Bus, count: number): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  const sub = await bus.subscribe({
    groupId: `dlq-reader-${count}`,
    topics: [config.DEAD_LETTER_TOPIC],
    onBatch: async (batch) => {
      for (const m of batch.messages) letters.push(JSON.parse(textDecoder.decode(m.value)));
    },
  });
  try {
    await waitFor(`${count} dead letters`, () => (letters.length >= count ? true : undefined));
  } finally {
    await sub.stop();
  }
  return letters;
}

const metricValue = async (registry: Registry, name: string, labels: Record<string, string> = {}) =>
  ((await registry.getSingleMetric(name)?.get())?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function start(bus: Bus, registry = new Registry()): Promise<RunningProcessor> {
  const processor = await startProcessor({ config, bus, logger: silentLogger, registry });
  cleanup.push(() => processor.stop());
  return processor;
}

describe("processor on the memory bus", () => {
  test("publishes one row per candle, equal to computeSeries, for every symbol", async () => {
    const bus = new MemoryBus({ maxBatchSize: 37 });
    cleanup.push(() => bus.close());
    await start(bus);
    const a = candles(300, 1);
    const b = candles(200, 2);
    await publishCandles(bus, "AAA", a);
    await publishCandles(bus, "BBB", b);
    const rows = await outputRows(bus, "reader", 500);
    expect(bySymbol(rows, "AAA")).toEqual(expectedRows("AAA", a));
    expect(bySymbol(rows, "BBB")).toEqual(expectedRows("BBB", b));
    expect(rows.some((r) => r.signalChanged)).toBe(true);
  });

  test("bad messages go to the dead-letter topic with reason and bytes; out-of-order is counted; the group goes on", async () => {
    const bus = new MemoryBus();
    cleanup.push(() => bus.close());
    const registry = new Registry();
    await start(bus, registry);
    const [c0, c1, c2] = candles(3, 3);
    if (!c0 || !c1 || !c2) throw new Error("fixture");
    const topic = topicFor(config, "AAA");
    const badSchema = JSON.stringify({ ...message("AAA", c1), high: c1.low - 1 });
    await bus.publish(topic, [
      { key: "AAA", value: JSON.stringify(message("AAA", c1)) },
      { key: "AAA", value: "{oops" },
      { key: "AAA", value: badSchema },
      { key: "AAA", value: JSON.stringify(message("BBB", c2)) },
      { key: "AAA", value: JSON.stringify(message("AAA", c0)) },
      { key: "AAA", value: JSON.stringify(message("AAA", c2)) },
    ]);
    const rows = await outputRows(bus, "reader", 2);
    expect(rows.map((r) => r.openTime)).toEqual([c1.openTime, c2.openTime]);

    const letters: DeadLetter[] = [];
    const sub = await bus.subscribe({
      groupId: "dlq-reader",
      topics: [config.DEAD_LETTER_TOPIC],
      onBatch: async (batch) => {
        for (const m of batch.messages) letters.push(JSON.parse(textDecoder.decode(m.value)));
      },
    });
    await waitFor("3 dead letters", () => (letters.length >= 3 ? true : undefined));
    await sub.stop();
    expect(letters.map((l) => l.reason)).toEqual([
      expect.stringContaining("not JSON"),
      expect.stringContaining("schema"),
      expect.stringContaining("does not belong"),
    ]);
    expect(letters[1]?.source).toMatchObject({ topic, offset: "2", key: "AAA" });
    expect(Buffer.from(letters[1]?.originalBase64 ?? "", "base64").toString()).toBe(badSchema);
    const rejected = await registry.getSingleMetric("shamdan_processor_rejected_total")?.get();
    expect(rejected?.values).toEqual([{ labels: { reason: "out_of_order" }, value: 1 }]);
    const dead = await registry.getSingleMetric("shamdan_processor_dead_letters_total")?.get();
    expect(dead?.values[0]?.value).toBe(3);
  });

  test("a re-delivered open candle yields an updated row for the same time, marked replaced", async () => {
    const bus = new MemoryBus();
    cleanup.push(() => bus.close());
    await start(bus);
    const series = candles(20, 4);
    const last = series.at(-1) as CandleInput;
    const updated = { ...last, close: last.close + 1, high: last.high + 1 };
    await publishCandles(bus, "AAA", [...series, updated]);
    const rows = await outputRows(bus, "reader", 21);
    expect(rows[20]).toMatchObject({ openTime: last.openTime, close: updated.close, replaced: true });
    expect(rows).toEqual(expectedRows("AAA", [...series, updated]));
  });

  test("a new replica restores from the changelog: results equal an uninterrupted run", async () => {
    const bus = new MemoryBus({ maxBatchSize: 50 });
    cleanup.push(() => bus.close());
    const series = candles(400, 5);
    const first = await startProcessor({ config, bus, logger: silentLogger, registry: new Registry() });
    await publishCandles(bus, "AAA", series.slice(0, 250));
    await outputRows(bus, "progress", 250);
    await first.stop();
    const second = await start(bus);
    await publishCandles(bus, "AAA", series.slice(250));
    const rows = await outputRows(bus, "reader", 400);
    expect(rows).toEqual(expectedRows("AAA", series));
    expect(second.ready()).toBe(true);
    const states = await bus.readLatestByKey(changelogTopic(config));
    expect([...states.keys()]).toContain(`${topicFor(config, "AAA")}:0`);
  });

  test("a stale state written late by a zombie replica does not win the restore", async () => {
    const bus = new MemoryBus({ maxBatchSize: 50 });
    cleanup.push(() => bus.close());
    const series = candles(400, 10);
    const changelog = changelogTopic(config);
    const first = await startProcessor({ config, bus, logger: silentLogger, registry: new Registry() });
    await publishCandles(bus, "AAA", series.slice(0, 100));
    await outputRows(bus, "progress1", 100);
    const [key, stale] = [...(await bus.readLatestByKey(changelog))].find(([k]) =>
      k.startsWith(`${topicFor(config, "AAA")}:`),
    ) ?? ["", new Uint8Array()];
    expect(JSON.parse(textDecoder.decode(stale)).nextOffset).toBe("100");
    await publishCandles(bus, "AAA", series.slice(100, 250));
    await outputRows(bus, "progress2", 250);
    await first.stop();
    // The zombie: evicted while finishing its batch at offset 100, it publishes that state last.
    await bus.publish(changelog, [{ key, value: stale }]);
    const registry = new Registry();
    await start(bus, registry);
    await publishCandles(bus, "AAA", series.slice(250));
    const rows = await outputRows(bus, "reader", 400);
    expect(rows).toEqual(expectedRows("AAA", series));
    const gaps = await registry.getSingleMetric("shamdan_processor_state_gaps_total")?.get();
    expect(gaps?.values[0]?.value ?? 0).toBe(0);
  });

  test("junk on the changelog under a partition's key is skipped (counted) and the valid state published again", async () => {
    const bus = new MemoryBus({ maxBatchSize: 50 });
    cleanup.push(() => bus.close());
    const series = candles(300, 12);
    const changelog = changelogTopic(config);
    const first = await startProcessor({ config, bus, logger: silentLogger, registry: new Registry() });
    await publishCandles(bus, "AAA", series.slice(0, 150));
    await outputRows(bus, "progress", 150);
    await first.stop();
    const key = [...(await bus.readLatestByKey(changelog)).keys()].find((k) =>
      k.startsWith(`${topicFor(config, "AAA")}:`),
    );
    expect(key).toBeDefined();
    const hostile = ["{not json", '{"v":1,"nextOffset":"99999999999","engines":"nope"}', "null"];
    for (const value of hostile) await bus.publish(changelog, [{ key: key ?? "", value }]);
    const registry = new Registry();
    await start(bus, registry);
    // Before any new input: the restore already wrote the valid state back as the key's last value
    // (what compaction keeps in the end), so no later restore depends on the 24 h compaction lag.
    const lastWrite = async () => {
      const last = (await bus.readLatestByKey(changelog)).get(key ?? "");
      return last && textDecoder.decode(last).startsWith('{"v":1,"topic"')
        ? JSON.parse(textDecoder.decode(last))
        : undefined;
    };
    expect((await waitFor("the valid state written back", lastWrite)).nextOffset).toBe("150");
    await publishCandles(bus, "AAA", series.slice(150));
    expect(await outputRows(bus, "reader", 300)).toEqual(expectedRows("AAA", series));
    const rejected = await registry.getSingleMetric("shamdan_processor_rejected_total")?.get();
    const skipped = rejected?.values.find((v) => v.labels.reason === "invalid_state")?.value ?? 0;
    expect(skipped).toBeGreaterThanOrEqual(hostile.length);
  });

  test("two replicas in one group (rebalancing mid-stream) give the same rows as one", async () => {
    const bus = new MemoryBus({ maxBatchSize: 20 });
    cleanup.push(() => bus.close());
    const a = candles(300, 6);
    const b = candles(300, 7);
    await start(bus);
    await publishCandles(bus, "AAA", a.slice(0, 150));
    await publishCandles(bus, "BBB", b.slice(0, 150));
    await start(bus);
    await publishCandles(bus, "AAA", a.slice(150));
    await publishCandles(bus, "BBB", b.slice(150));
    const rows = await outputRows(bus, "reader", 600);
    // The output is at-least-once: a batch re-processed after a rebalance repeats identical rows.
    const dedup = (symbol: string) => [
      ...new Map(bySymbol(rows, symbol).map((r) => [`${r.openTime}`, r])).values(),
    ];
    expect(dedup("AAA")).toEqual(expectedRows("AAA", a));
    expect(dedup("BBB")).toEqual(expectedRows("BBB", b));
  });

  test("a failed publish re-delivers the batch from the last published state, losing nothing", async () => {
    const inner = new MemoryBus({ maxBatchSize: 30 });
    cleanup.push(() => inner.close());
    let failures = 2;
    // Fails the row publish after the engines advanced in memory: the re-delivered batch must not be skipped.
    const bus = failingPublishes(inner, (topic) => topic === config.OUTPUT_TOPIC && failures-- > 0);
    await start(bus);
    const series = candles(100, 8);
    await publishCandles(inner, "AAA", series);
    const rows = await outputRows(inner, "reader", 100);
    const distinct = [...new Map(rows.map((r) => [r.openTime, r])).values()];
    expect(distinct).toEqual(expectedRows("AAA", series));
  });

  test("a batch computed in slices keeps each symbol's order (a replaced candle lands after its first row) and survives a failure between slices", async () => {
    const inner = new MemoryBus({ maxBatchSize: 30 });
    cleanup.push(() => inner.close());
    // Slices of 7 within batches of 30; the 3rd row publish fails once, after two slices were published.
    let publishes = 0;
    const bus = failingPublishes(
      inner,
      (topic, messages) => topic === config.OUTPUT_TOPIC && messages.length > 0 && ++publishes === 3,
    );
    const processor = await startProcessor({
      config,
      bus,
      logger: silentLogger,
      registry: new Registry(),
      sliceSize: 7,
    });
    cleanup.push(() => processor.stop());
    const series = candles(60, 9);
    // Candle 6 is re-delivered (updated) as message 7: the original ends slice 1, the update starts slice 2.
    const updated = { ...(series[6] as CandleInput), close: (series[6] as CandleInput).close + 0.25 };
    updated.high = Math.max(updated.high, updated.close);
    const input = [...series.slice(0, 7), updated, ...series.slice(7)];
    await publishCandles(inner, "AAA", input);
    const expected = expectedRows("AAA", input);
    const rows = await outputRows(inner, "reader", expected.length);
    // At-least-once output: the failed batch's first slices appear twice, identical and in order.
    const lastByTime = new Map(rows.map((r) => [r.openTime, r]));
    expect([...lastByTime.values()]).toEqual([...new Map(expected.map((r) => [r.openTime, r])).values()]);
    const sixth = rows.filter((r) => r.openTime === updated.openTime);
    expect(sixth.at(-1)).toMatchObject({ close: updated.close, replaced: true });
    expect(publishes).toBeGreaterThan(3);
  });
});

describe("output the broker can never accept", () => {
  test("refused rows are dead-lettered with their input candles; the rest are published in order, state and offsets move on", async () => {
    const inner = new MemoryBus({ maxBatchSize: 40 });
    cleanup.push(() => inner.close());
    const series = candles(100, 11);
    const poisoned = new Set([10, 11, 57, 99].map((i) => (series[i] as CandleInput).openTime));
    const bus = refusingRows(inner, (row) => poisoned.has(row.openTime));
    const registry = new Registry();
    const processor = await startProcessor({ config, bus, logger: silentLogger, registry, sliceSize: 16 });
    cleanup.push(() => processor.stop());
    await publishCandles(inner, "AAA", series);

    const letters = await readDeadLetters(inner, 4);
    expect(letters.map((l) => l.source.offset)).toEqual(["10", "11", "57", "99"]);
    for (const letter of letters) {
      expect(letter.reason).toContain("unpublishable: MESSAGE_TOO_LARGE");
      const candle = JSON.parse(Buffer.from(letter.originalBase64, "base64").toString()) as CandleMessage;
      expect(poisoned.has(candle.openTime)).toBe(true);
      expect(candle).toEqual(message("AAA", series[Number(letter.source.offset)] as CandleInput));
    }
    // Every other row, in order; the refused candles still count in later indicators (they were valid).
    const expected = expectedRows("AAA", series).filter((r) => !poisoned.has(r.openTime));
    expect(await outputRows(inner, "reader", 96)).toEqual(expected);
    await waitFor("state at offset 100", async () => {
      const state = (await inner.readLatestByKey(changelogTopic(config))).get(`${topicFor(config, "AAA")}:0`);
      return state && JSON.parse(textDecoder.decode(state)).nextOffset === "100" ? true : undefined;
    });
    expect(processor.ready()).toBe(true);
    expect(processor.failing()).toEqual([]);
    expect(await metricValue(registry, "shamdan_processor_rejected_total", { reason: "unpublishable" })).toBe(
      4,
    );
    expect(await metricValue(registry, "shamdan_processor_dead_letters_total")).toBe(4);
    expect(await metricValue(registry, "shamdan_processor_rows_out_total")).toBe(96);
    // Offsets were committed: a new replica of the group re-publishes nothing.
    await processor.stop();
    const refusalsBefore = bus.refusals;
    const again = new Registry();
    await start(bus, again);
    await publishCandles(inner, "AAA", candles(1, 12, (series.at(-1) as CandleInput).openTime + 60_000));
    await waitFor("the next candle's row", async () =>
      (await metricValue(again, "shamdan_processor_rows_out_total")) === 1 ? true : undefined,
    );
    expect(await metricValue(again, "shamdan_processor_skipped_replayed_total")).toBe(0);
    expect(bus.refusals).toBe(refusalsBefore);
  });

  test("a retriable failure (broker down) is not dead-lettered: the batch is re-delivered until it passes", async () => {
    const inner = new MemoryBus({ maxBatchSize: 30, retryBackoffMs: { initial: 5, max: 20 } });
    cleanup.push(() => inner.close());
    let failures = 3;
    const bus = failingPublishes(inner, (topic) => topic === config.OUTPUT_TOPIC && failures-- > 0);
    const registry = new Registry();
    await start(bus, registry);
    const series = candles(50, 13);
    await publishCandles(inner, "AAA", series);
    const rows = await outputRows(inner, "reader", 50);
    expect([...new Map(rows.map((r) => [r.openTime, r])).values()]).toEqual(expectedRows("AAA", series));
    expect(await metricValue(registry, "shamdan_processor_dead_letters_total")).toBe(0);
  });
});

describe("readiness", () => {
  test("a partition whose batch failed 3 times in a row makes the processor not ready, until its batch succeeds", async () => {
    const inner = new MemoryBus({ retryBackoffMs: { initial: 5, max: 20 } });
    cleanup.push(() => inner.close());
    let processor: RunningProcessor | undefined;
    let failuresLeft = 4;
    /** processor.ready() as seen by each attempt's row publish (i.e. after the previous attempts). */
    const seen: boolean[] = [];
    const bus = failingPublishes(inner, (topic, messages) => {
      if (topic !== config.OUTPUT_TOPIC || messages.length === 0) return false;
      seen.push(processor?.ready() ?? false);
      return failuresLeft-- > 0;
    });
    const lines: { level: string; msg: string }[] = [];
    const logger = createLogger("debug", {}, (line) => lines.push(JSON.parse(line)));
    processor = await startProcessor({ config, bus, logger, registry: new Registry() });
    cleanup.push(() => processor?.stop() ?? Promise.resolve());
    await publishCandles(inner, "AAA", candles(5, 14));
    await outputRows(inner, "reader", 5);
    // Attempts 1-3 ran after 0, 1, 2 failures (ready); attempts 4-5 after 3 and 4 (stuck).
    expect(seen).toEqual([true, true, true, false, false]);
    expect(processor.ready()).toBe(true);
    expect(processor.failing()).toEqual([]);
    // Four identical failures: one warning, one "stuck" error, one "recovered" line.
    const count = (level: string, start: string) =>
      lines.filter((l) => l.level === level && l.msg.startsWith(start)).length;
    expect(count("warn", "batch failed")).toBe(1);
    expect(count("debug", "batch failed again")).toBe(3);
    expect(count("error", "partition stuck")).toBe(1);
    expect(count("info", "partition recovered")).toBe(1);
  });

  test("failures lasting longer than the bound make it not ready even before 3 attempts", async () => {
    const inner = new MemoryBus({ retryBackoffMs: { initial: 5, max: 20 } });
    cleanup.push(() => inner.close());
    let broken = true;
    const bus = failingPublishes(inner, (topic) => topic === config.OUTPUT_TOPIC && broken);
    const processor = await startProcessor({
      config,
      bus,
      logger: silentLogger,
      registry: new Registry(),
      stuckAfter: { attempts: 1_000_000, ms: 200 },
    });
    cleanup.push(() => processor.stop());
    await publishCandles(inner, "AAA", candles(5, 15));
    const stuck = await waitFor("a stuck partition", () =>
      processor.ready() ? undefined : processor.failing()[0],
    );
    expect(stuck).toMatchObject({
      topic: topicFor(config, "AAA"),
      stuck: true,
      lastError: expect.stringContaining("broker unavailable"),
    });
    expect(stuck.failingForMs).toBeGreaterThanOrEqual(200);
    broken = false;
    await outputRows(inner, "reader", 5);
    await waitFor("ready again", () => (processor.ready() ? true : undefined));
  });
});

describe("laterStateReplaces", () => {
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const state = (nextOffset: unknown) =>
    encode({ v: 1, topic: "aaa_topic", partition: 0, nextOffset, engines: {} });
  test("a later valid state replaces unless it is behind", () => {
    expect(laterStateReplaces(state("300"), state("200"))).toBe(true);
    expect(laterStateReplaces(state("200"), state("200"))).toBe(true);
    expect(laterStateReplaces(state("200"), state("300"))).toBe(false);
    // 64-bit offsets compare as integers, not as text or doubles.
    expect(laterStateReplaces(state("9007199254740993"), state("9007199254740992"))).toBe(true);
    expect(laterStateReplaces(state("10"), state("9"))).toBe(true);
  });
  test("a value that is not a valid state never replaces a valid one, and a valid one always replaces it", () => {
    const junk = [
      new TextEncoder().encode("not json"),
      state(-1),
      encode({ v: 1, nextOffset: "99999999999", engines: "nope" }),
      new Uint8Array([0xff, 0x00, 0x13]),
    ];
    for (const bad of junk) {
      expect(laterStateReplaces(bad, state("5"))).toBe(false);
      expect(laterStateReplaces(state("5"), bad)).toBe(true);
    }
  });
});
