import { afterEach, describe, expect, test } from "bun:test";
import { MemoryBus } from "@shamdan/shared/adapters/memory/memory-bus";
import { SqliteStore } from "@shamdan/shared/adapters/sqlite/sqlite-store";
import { type Bus, textDecoder } from "@shamdan/shared/core/bus";
import { loadConfig } from "@shamdan/shared/core/config";
import { ShamdanError } from "@shamdan/shared/core/errors";
import { silentLogger } from "@shamdan/shared/core/log";
import type { DeadLetter, IndicatorRow } from "@shamdan/shared/core/messages";
import type { StoreWriter } from "@shamdan/shared/core/store";
import { waitFor } from "@shamdan/shared/testing/integration";
import { testRow } from "@shamdan/shared/testing/rows";
import { Registry } from "prom-client";
import { type RunningSink, startSink } from "./sink.ts";

const config = loadConfig(
  {},
  { BUS: "memory", STORE: "sqlite", SQLITE_PATH: ":memory:", SYMBOLS: "AAA,BBB" },
);
const window = (symbol: string) => ({ symbol, from: 0, to: Number.MAX_SAFE_INTEGER });
/** A recent minute: rows must have plausible open times (shared/core/plausibility.ts). */
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 24 * 60 * 60_000;
const minuteOf = (r: IndicatorRow) => (r.openTime - BASE) / 60_000;

const row = (symbol: string, minute: number, close: number): IndicatorRow =>
  testRow({
    symbol,
    openTime: BASE + minute * 60_000,
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume: 0.125,
    sma: minute > 2 ? close - 0.5 : null,
  });

/** A store that fails its first `failures` writes like an unreachable QuestDB would. */
function flaky(inner: StoreWriter, failures: number): StoreWriter & { attempts: number } {
  const wrapper = {
    attempts: 0,
    init: () => inner.init(),
    close: () => inner.close(),
    async write(rows: readonly IndicatorRow[]) {
      wrapper.attempts++;
      if (wrapper.attempts <= failures) throw new ShamdanError("STORE_UNAVAILABLE", "connection refused");
      await inner.write(rows);
    },
  };
  return wrapper;
}

/**
 * A store that refuses, like QuestDB, a whole write when one of its rows is bad (all or none): with
 * `code` STORE_REJECTED (HTTP 4xx) or STORE_SERVER_ERROR (HTTP 500 while /ping answers, unless
 * `healthy` is false). Every other write goes to `inner`.
 */
function refusing(
  inner: StoreWriter,
  bad: (row: IndicatorRow) => boolean,
  code: "STORE_REJECTED" | "STORE_SERVER_ERROR" = "STORE_REJECTED",
) {
  const wrapper = {
    writes: 0,
    healthy: true,
    /** While true every write fails with a server error, whatever its rows. */
    failing: false,
    init: () => inner.init(),
    close: () => inner.close(),
    async write(rows: readonly IndicatorRow[]) {
      wrapper.writes++;
      if (wrapper.failing) throw new ShamdanError("STORE_SERVER_ERROR", "HTTP 503: shutting down");
      const first = rows.find(bad);
      if (first !== undefined)
        throw new ShamdanError(code, `minute ${minuteOf(first)}: designated timestamp out of range`);
      await inner.write(rows);
    },
    async pingWrites() {
      if (!wrapper.healthy) throw new ShamdanError("STORE_UNAVAILABLE", "ping: connection refused");
    },
  } satisfies StoreWriter & Record<string, unknown>;
  return wrapper;
}

/**
 * `inner`, recording what the consumer group sees: the last offset whose batch `onBatch` resolved (on
 * the memory bus that is the committed position) and the heartbeats the sink sends.
 */
function observed(inner: Bus) {
  const seen = { resolvedUpTo: -1, failedBatches: 0 };
  const bus: Bus = {
    ensureTopics: (t) => inner.ensureTopics(t),
    publish: (t, m) => inner.publish(t, m),
    readLatestByKey: (t, o) => inner.readLatestByKey(t, o),
    close: () => inner.close(),
    subscribe: (options) =>
      inner.subscribe({
        ...options,
        async onBatch(batch, context) {
          try {
            await options.onBatch(batch, context);
          } catch (error) {
            seen.failedBatches++;
            throw error;
          }
          if (batch.topic === config.OUTPUT_TOPIC) seen.resolvedUpTo = Number(batch.messages.at(-1)?.offset);
        },
      }),
  };
  return { bus, seen };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setup(writer?: (store: SqliteStore) => StoreWriter) {
  const memory = new MemoryBus();
  const { bus, seen } = observed(memory);
  const store = new SqliteStore(config);
  const registry = new Registry();
  const sink = await startSink({
    config,
    bus,
    store: writer ? writer(store) : store,
    logger: silentLogger,
    registry,
    retry: { baseMs: 5, maxMs: 20 },
  });
  // Every dead letter, read by a group of its own.
  const letters: DeadLetter[] = [];
  const reader = await memory.subscribe({
    groupId: "letters",
    topics: [config.DEAD_LETTER_TOPIC],
    async onBatch(batch) {
      for (const m of batch.messages) letters.push(JSON.parse(textDecoder.decode(m.value)) as DeadLetter);
    },
  });
  cleanup.push(async () => {
    await reader.stop();
    await sink.stop();
    await memory.close();
    await store.close();
  });
  const publish = (rows: (IndicatorRow | string)[]) =>
    bus.publish(
      config.OUTPUT_TOPIC,
      rows.map((r) =>
        typeof r === "string" ? { key: "AAA", value: r } : { key: r.symbol, value: JSON.stringify(r) },
      ),
    );
  const metric = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
  /** Waits until the group committed up to `offset`; letters are published before that, so then they are final. */
  const committedUpTo = async (offset: number) => {
    await waitFor(`offset ${offset} committed`, () => (seen.resolvedUpTo >= offset ? true : undefined));
    await waitFor("letters read", async () => ((await reader.lag()) === 0 ? true : undefined));
    return letters;
  };
  return { bus, store, sink: sink as RunningSink, publish, metric, seen, letters, committedUpTo };
}

const closes = async (store: SqliteStore, symbol = "AAA") =>
  (await store.rows(window(symbol), 1000)).map((r) => r.close);

describe("sink", () => {
  test("writes rows; a re-delivered row for the same minute replaces the earlier one", async () => {
    const { store, publish } = await setup();
    await publish([row("AAA", 1, 10), row("AAA", 2, 11), row("BBB", 1, 50)]);
    await publish([row("AAA", 2, 12)]);
    const rows = await waitFor("rows", async () => {
      const got = await store.rows(window("AAA"), 100);
      return got.length === 2 && got[1]?.close === 12 ? got : undefined;
    });
    expect(rows.map((r) => r.close)).toEqual([10, 12]);
    expect(rows[0]?.volume).toBe(0.125);
    expect(rows[0]?.sma).toBeNull();
    expect(await store.rows(window("BBB"), 100)).toHaveLength(1);
  });

  test("invalid and implausible messages are dead-lettered once, in offset order, with reason and bytes", async () => {
    const { store, publish, metric, committedUpTo } = await setup();
    const negative = JSON.stringify({ ...row("AAA", 1, 10), close: -1 });
    const farFuture = JSON.stringify({ ...row("AAA", 2, 10), openTime: 9_007_199_254_740_991 });
    const absurd = JSON.stringify({ ...row("AAA", 4, 10), close: 1e308 });
    const absurdRsi = JSON.stringify({ ...row("AAA", 5, 10), rsi: -1e300 });
    await publish(["not json", negative, farFuture, row("AAA", 3, 30), absurd, absurdRsi, row("AAA", 6, 31)]);

    const letters = await committedUpTo(6);
    expect(await closes(store)).toEqual([30, 31]);
    expect(letters.map((l) => l.source.offset)).toEqual(["0", "1", "2", "4", "5"]);
    expect(letters.map((l) => l.reason.split(":")[0])).toEqual([
      "not JSON",
      "schema",
      "implausible",
      "implausible",
      "implausible",
    ]);
    expect(letters[2]?.reason).toContain("openTime 9007199254740991 is more than a day ahead");
    expect(letters[3]?.reason).toContain("close 1e+308 exceeds");
    expect(letters[4]?.reason).toContain("rsi -1e+300 exceeds");
    expect(letters[1]).toMatchObject({
      service: "sink",
      source: { topic: config.OUTPUT_TOPIC, offset: "1", key: "AAA" },
    });
    expect(Buffer.from(letters[1]?.originalBase64 ?? "", "base64").toString()).toBe(negative);
    expect(await metric("shamdan_sink_dead_letters_total")).toBe(5);
  });

  test("rows the store refuses are isolated: every other row written, each refused row dead-lettered once, offsets committed", async () => {
    let refusingStore: ReturnType<typeof refusing> | undefined;
    const isBad = (r: IndicatorRow) => [3, 11].includes(minuteOf(r));
    const { store, publish, metric, committedUpTo, sink } = await setup((s) => {
      refusingStore = refusing(s, isBad);
      return refusingStore;
    });
    const rows = Array.from({ length: 16 }, (_, i) => row("AAA", i, 100 + i));
    await publish([...rows.slice(0, 8), "{not json", ...rows.slice(8)]);

    const letters = await committedUpTo(16);
    const good = rows.filter((r) => !isBad(r));
    expect(await closes(store)).toEqual(good.map((r) => r.close));
    expect(letters.map((l) => [l.source.offset, l.reason.split(":")[0]])).toEqual([
      ["3", "store refused the row"],
      ["8", "not JSON"],
      ["12", "store refused the row"],
    ]);
    expect(letters[0]?.reason).toContain("minute 3: designated timestamp out of range");
    expect(JSON.parse(Buffer.from(letters[2]?.originalBase64 ?? "", "base64").toString())).toEqual(rows[11]);
    expect(await metric("shamdan_sink_rows_refused_total")).toBe(2);
    expect(await metric("shamdan_sink_rows_written_total")).toBe(14);
    expect(await metric("shamdan_sink_paused")).toBe(0);
    expect(sink.ready()).toBe(true);
    // Bounded: 1 + 2 per level per refused row (16 rows: 4 levels), far fewer than one write per row.
    expect(refusingStore?.writes).toBeLessThanOrEqual(1 + 2 * 2 * 4);

    // The group goes on, and no letter is written again.
    await publish([row("AAA", 20, 120)]);
    expect((await committedUpTo(17)).length).toBe(3);
    expect((await closes(store)).at(-1)).toBe(120);
  });

  test("an HTTP 500 while the store answers its health check, repeated for the row alone, is a refusal", async () => {
    const { store, publish, committedUpTo } = await setup((s) =>
      refusing(s, (r) => minuteOf(r) === 1, "STORE_SERVER_ERROR"),
    );
    await publish([row("AAA", 0, 10), row("AAA", 1, 11), row("AAA", 2, 12)]);
    const letters = await committedUpTo(2);
    expect(await closes(store)).toEqual([10, 12]);
    expect(letters.map((l) => l.source.offset)).toEqual(["1"]);
    expect(letters[0]?.reason).toContain("designated timestamp out of range");
  });

  test("HTTP 5xx while the health check fails too is an outage: paused, not ready, nothing dead-lettered or committed", async () => {
    let wrapped: ReturnType<typeof refusing> | undefined;
    const { store, publish, metric, sink, seen, committedUpTo } = await setup((s) => {
      wrapped = refusing(s, () => false, "STORE_SERVER_ERROR");
      wrapped.failing = true;
      wrapped.healthy = false;
      return wrapped;
    });
    await publish([row("AAA", 0, 10), "{not json", row("AAA", 1, 11)]);
    await waitFor("several retries", () => ((wrapped?.writes ?? 0) >= 5 ? true : undefined));
    expect(sink.ready()).toBe(false);
    expect(await metric("shamdan_sink_paused")).toBe(1);
    expect(seen.resolvedUpTo).toBe(-1);
    expect(await closes(store)).toEqual([]);

    if (wrapped) {
      wrapped.failing = false;
      wrapped.healthy = true;
    }
    const letters = await committedUpTo(2);
    expect(await closes(store)).toEqual([10, 11]);
    expect(letters.map((l) => l.source.offset)).toEqual(["1"]);
    expect(sink.ready()).toBe(true);
    expect(await metric("shamdan_sink_paused")).toBe(0);
  });

  test("store unavailable: pauses, retries with backoff, loses nothing, resumes by itself", async () => {
    let wrapped: ReturnType<typeof flaky> | undefined;
    const { store, publish, metric, sink } = await setup((s) => {
      wrapped = flaky(s, 4);
      return wrapped;
    });
    await publish([row("AAA", 1, 10), row("AAA", 2, 11), row("AAA", 3, 12)]);
    const rows = await waitFor("rows after retries", async () => {
      const got = await store.rows(window("AAA"), 10);
      return got.length === 3 ? got : undefined;
    });
    expect(rows.map((r) => r.close)).toEqual([10, 11, 12]);
    expect(wrapped?.attempts).toBe(5);
    expect(await metric("shamdan_sink_write_retries_total")).toBe(4);
    expect(await metric("shamdan_sink_paused")).toBe(0);
    expect(sink.ready()).toBe(true);
  });

  test("stopping while the store is down abandons the batch uncommitted, with no letter yet; the next sink writes it and letters once", async () => {
    const bus = new MemoryBus();
    const store = new SqliteStore(config);
    const down = flaky(store, Number.MAX_SAFE_INTEGER);
    const first = await startSink({
      config,
      bus,
      store: down,
      logger: silentLogger,
      registry: new Registry(),
      retry: { baseMs: 5, maxMs: 20 },
    });
    await bus.publish(config.OUTPUT_TOPIC, [
      { key: "AAA", value: "{not json" },
      { key: "AAA", value: JSON.stringify(row("AAA", 1, 10)) },
    ]);
    await waitFor("a failed attempt", () => (down.attempts >= 2 ? true : undefined));
    expect(first.ready()).toBe(false);
    await first.stop();
    expect(await store.rows(window("AAA"), 10)).toHaveLength(0);
    const lettersAfter = async () => (await bus.readLatestByKey(config.DEAD_LETTER_TOPIC)).size;
    expect(await lettersAfter()).toBe(0);

    const registry = new Registry();
    const second = await startSink({ config, bus, store, logger: silentLogger, registry });
    cleanup.push(async () => {
      await second.stop();
      await bus.close();
      await store.close();
    });
    await waitFor("row written by the next sink", async () =>
      (await store.rows(window("AAA"), 10)).length === 1 ? true : undefined,
    );
    await waitFor("the letter", async () => ((await lettersAfter()) === 1 ? true : undefined));
    expect((await registry.getSingleMetric("shamdan_sink_dead_letters_total")?.get())?.values[0]?.value).toBe(
      1,
    );
  });

  test("start-up waits for the store to answer init", async () => {
    const bus = new MemoryBus();
    const store = new SqliteStore(config);
    let inits = 0;
    const slow: StoreWriter = {
      async init() {
        inits++;
        if (inits < 3) throw new ShamdanError("STORE_UNAVAILABLE", "not yet");
        await store.init();
      },
      write: (rows) => store.write(rows),
      close: () => store.close(),
    };
    const sink = await startSink({
      config,
      bus,
      store: slow,
      logger: silentLogger,
      registry: new Registry(),
      retry: { baseMs: 1, maxMs: 2 },
    });
    cleanup.push(async () => {
      await sink.stop();
      await bus.close();
      await store.close();
    });
    expect(inits).toBe(3);
    expect(sink.ready()).toBe(true);
  });
});
