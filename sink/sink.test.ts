import { afterEach, describe, expect, test } from "bun:test";
import { textDecoder } from "@shamdan/shared/bus/bus";
import { MemoryBus } from "@shamdan/shared/bus/memory-bus";
import { loadConfig } from "@shamdan/shared/config";
import { ShamdanError } from "@shamdan/shared/errors";
import { silentLogger } from "@shamdan/shared/log";
import type { DeadLetter, IndicatorRow } from "@shamdan/shared/messages";
import { SqliteStore } from "@shamdan/shared/store/sqlite-store";
import type { StoreWriter } from "@shamdan/shared/store/store";
import { waitFor } from "@shamdan/shared/testing/integration";
import { Registry } from "prom-client";
import { type RunningSink, startSink } from "./sink.ts";

const config = loadConfig(
  {},
  { BUS: "memory", STORE: "sqlite", SQLITE_PATH: ":memory:", SYMBOLS: "AAA,BBB" },
);
const window = (symbol: string) => ({ symbol, from: 0, to: Number.MAX_SAFE_INTEGER });

const row = (symbol: string, minute: number, close: number): IndicatorRow => ({
  v: 1,
  symbol,
  openTime: minute * 60_000,
  open: close,
  high: close + 1,
  low: close - 1,
  close,
  volume: 0.125,
  sma: minute > 2 ? close - 0.5 : null,
  ema: null,
  delta: null,
  gain: null,
  loss: null,
  avgGain: null,
  avgLoss: null,
  rs: null,
  rsi: null,
  signal: "HOLD",
  signalChanged: false,
  replaced: false,
});

/** A store that fails its first `failures` writes like an unreachable QuestDB would. */
function flaky(inner: StoreWriter, failures: number): StoreWriter & { attempts: number } {
  const wrapper = {
    attempts: 0,
    init: () => inner.init(),
    close: () => inner.close(),
    async write(rows: readonly IndicatorRow[]) {
      wrapper.attempts++;
      if (wrapper.attempts <= failures)
        throw new ShamdanError("STORE_UNAVAILABLE", "connection refused", true);
      await inner.write(rows);
    },
  };
  return wrapper;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setup(writer?: (store: SqliteStore) => StoreWriter) {
  const bus = new MemoryBus();
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
  cleanup.push(async () => {
    await sink.stop();
    await bus.close();
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
  return { bus, store, sink: sink as RunningSink, publish, metric };
}

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

  test("an invalid message goes to the dead-letter topic with reason and bytes, and the group goes on", async () => {
    const { bus, store, publish, metric } = await setup();
    const bad = JSON.stringify({ ...row("AAA", 1, 10), close: -1 });
    await publish(["not json", bad, row("AAA", 3, 30)]);
    await waitFor("valid row written", async () =>
      (await store.rows(window("AAA"), 10)).length === 1 ? true : undefined,
    );
    const letters = [...(await bus.readLatestByKey(config.DEAD_LETTER_TOPIC)).values()];
    // Keyed by source partition: the latest of the two letters is the schema failure.
    const letter = JSON.parse(textDecoder.decode(letters[0])) as DeadLetter;
    expect(letter.reason).toContain("schema");
    expect(letter.service).toBe("sink");
    expect(letter.source).toMatchObject({ topic: config.OUTPUT_TOPIC, offset: "1", key: "AAA" });
    expect(Buffer.from(letter.originalBase64, "base64").toString()).toBe(bad);
    expect(await metric("shamdan_sink_dead_letters_total")).toBe(2);
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
    expect(wrapped?.attempts).toBeGreaterThanOrEqual(5);
    expect(await metric("shamdan_sink_write_retries_total")).toBe(4);
    expect(await metric("shamdan_sink_paused")).toBe(0);
    expect(sink.ready()).toBe(true);
  });

  test("stopping while the store is down abandons the batch uncommitted; the next sink writes it", async () => {
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
    await bus.publish(config.OUTPUT_TOPIC, [{ key: "AAA", value: JSON.stringify(row("AAA", 1, 10)) }]);
    await waitFor("a failed attempt", () => (down.attempts >= 2 ? true : undefined));
    await first.stop();
    expect(await store.rows(window("AAA"), 10)).toHaveLength(0);

    const second = await startSink({ config, bus, store, logger: silentLogger, registry: new Registry() });
    cleanup.push(async () => {
      await second.stop();
      await bus.close();
      await store.close();
    });
    await waitFor("row written by the next sink", async () =>
      (await store.rows(window("AAA"), 10)).length === 1 ? true : undefined,
    );
  });

  test("start-up waits for the store to answer init", async () => {
    const bus = new MemoryBus();
    const store = new SqliteStore(config);
    let inits = 0;
    const slow: StoreWriter = {
      async init() {
        inits++;
        if (inits < 3) throw new ShamdanError("STORE_UNAVAILABLE", "not yet", true);
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
