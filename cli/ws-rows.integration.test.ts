/**
 * The stream end to end, down to the stored rows: ingest on a REAL Centrifugo (LIVE_SOURCE=websocket),
 * the processor and the sink on the in-memory bus, rows in SQLite, as `bun start` wires them. The fake
 * Nobitex serves a recording live on an accelerated clock and plays it into Centrifugo as Nobitex does
 * (stream-faults.ts); every fault `nobitex-fake` offers is injected through its HTTP control,
 * `POST /faults/ws`, one after the other. After each one, every minute that closed since must be stored
 * exactly as `computeSeries` over the recording makes it (none missing, none duplicated, every value and
 * signal equal); at the end, every minute of the recording.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CentrifugoServer, ensureCentrifugo, startCentrifugo } from "@shamdan/ingest/centrifugo-server";
import { type FakeNobitex, startFakeNobitex } from "@shamdan/ingest/fake-nobitex";
import { type IngestService, startIngestService } from "@shamdan/ingest/ingest-service";
import { type FakeStream, STREAM_FAULTS_PATH, startFakeStream } from "@shamdan/ingest/stream-faults";
import { startProcessor } from "@shamdan/processor/processor";
import { MemoryBus } from "@shamdan/shared/adapters/memory/memory-bus";
import { SqliteStore } from "@shamdan/shared/adapters/sqlite/sqlite-store";
import { type Config, loadConfig } from "@shamdan/shared/core/config";
import { silentLogger } from "@shamdan/shared/core/log";
import { freeLoopbackPort } from "@shamdan/shared/core/port-answers";
import { waitFor } from "@shamdan/shared/testing/integration";
import { startSink } from "@shamdan/sink/sink";
import { Registry } from "prom-client";
import { compareRows, expectedRows } from "../processor/testing/pipeline-harness.ts";

const DATA = join(import.meta.dir, "..", "data", "candles");
const SYMBOLS = ["ETHBTC", "XRPETH"];
/** Served time runs 12 times real time: a minute candle forms in 5 s. */
const SPEED = 12;
const MINUTE = 60_000;
const dir = mkdtempSync(join(tmpdir(), "shamdan-ws-rows-"));
const stops: (() => Promise<unknown>)[] = [];
let binary = "";

beforeAll(async () => {
  // Built once (a few minutes) into the project's tools folder by `infra up`; built here if missing.
  binary = await ensureCentrifugo({ log: (line) => process.stderr.write(`${line}\n`) });
}, 900_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

// One test on purpose: the faults are steps of one running pipeline, each checked before the next.
test("through every stream fault, the stored rows equal computeSeries over the recording", async () => {
  const centrifugo: CentrifugoServer = await startCentrifugo({
    binary,
    port: await freeLoopbackPort(),
    dir: join(dir, "centrifugo"),
  });
  stops.push(() => centrifugo.stop(true));
  const fake: FakeNobitex = await startFakeNobitex({
    dataDir: DATA,
    symbols: SYMBOLS,
    limit: 58,
    live: true,
    history: 40,
    speed: SPEED,
    formingSteps: 6,
  });
  stops.push(() => fake.stop());
  // Nobitex pushes about every 10 s per channel; here about every 3 served seconds (250 ms real).
  const stream: FakeStream = startFakeStream({ fake, centrifugo, intervalMs: 250 });
  stops.push(() => stream.stop());

  const config: Config = loadConfig(
    {},
    {
      SYMBOLS: SYMBOLS.join(","),
      BUS: "memory",
      STORE: "sqlite",
      SQLITE_PATH: join(dir, "rows.sqlite"),
      NOBITEX_BASE_URL: fake.url,
      LIVE_SOURCE: "websocket",
      NOBITEX_WS_URL: centrifugo.wsUrl,
      WS_SILENCE_MS: "2000",
      POLL_CRON: "* * * * * *",
      BACKFILL_CANDLES: "100",
    },
  );
  const bus = new MemoryBus();
  const store = new SqliteStore(config);
  await store.init();
  const registry = new Registry();
  const sink = await startSink({ config, bus, store, logger: silentLogger, registry });
  const processor = await startProcessor({ config, bus, logger: silentLogger, registry });
  const ingest: IngestService = await startIngestService({
    config,
    bus,
    logger: silentLogger,
    registry,
    healthPort: false,
    now: fake.clock.now,
    wsReconnectDelayMs: { min: 100, max: 1000 },
  });
  stops.push(
    () => bus.close(),
    () => store.close(),
    () => sink.stop(),
    () => processor.stop(),
    () => ingest.stop(),
  );

  const expected = new Map(SYMBOLS.map((s) => [s, expectedRows(config, s, fake.expected(s))]));
  /** Differences between stored and expected rows for the minutes opened at or before `last`. */
  const differences = async (last: number) => {
    const problems: string[] = [];
    for (const symbol of SYMBOLS) {
      const stored = await store.rows({ symbol, from: 0, to: last + 1 }, 10_000);
      const want = (expected.get(symbol) ?? []).filter((r) => r.openTime <= last);
      problems.push(...compareRows(stored, want));
    }
    return problems;
  };
  /** Waits until the minute now forming has closed and every minute up to it is stored as expected. */
  const settled = async (after: string) => {
    const last = Math.floor(fake.clock.now() / MINUTE) * MINUTE;
    let problems: string[] = [];
    await waitFor(
      `rows equal computeSeries through the minute forming after ${after}`,
      async () => {
        if (fake.clock.now() < last + MINUTE) return undefined;
        problems = await differences(last);
        return problems.length === 0 ? true : undefined;
      },
      30_000,
      200,
    ).catch((error) => {
      throw new Error(`${String(error)}\n${problems.slice(0, 10).join("\n")}`);
    });
  };
  const fault = async (body: Record<string, unknown>) => {
    const response = await fetch(`${fake.url}${STREAM_FAULTS_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  };
  const live = () => SYMBOLS.every((s) => ingest.live.status(s).source === "websocket");

  await waitFor("every symbol live on the stream", () => (live() ? true : undefined), 20_000);
  await settled("the start");

  await fault({ kind: "restart", downMs: 1500 });
  await waitFor(
    "a reconnect",
    () => (ingest.live.status("ETHBTC").reconnects >= 1 ? true : undefined),
    15_000,
  );
  await settled("a Centrifugo kill -9 and restart");

  await fault({ kind: "disconnect" });
  await waitFor(
    "another reconnect",
    () => (ingest.live.status("ETHBTC").reconnects >= 2 ? true : undefined),
    15_000,
  );
  await settled("dropped connections");

  // Longer than WS_SILENCE_MS: polls cover the symbol meanwhile.
  await fault({ kind: "silence", symbol: "ETHBTC", ms: 3000 });
  await waitFor("ETHBTC covered by polls", () =>
    ingest.live.status("ETHBTC").source === "poll" ? true : undefined,
  );
  await waitFor("ETHBTC back on the stream", () => (live() ? true : undefined), 15_000);
  await settled("a silent symbol");

  await fault({ kind: "malformed", symbol: "XRPETH" });
  await fault({ kind: "malformed", symbol: "XRPETH", data: JSON.stringify({ t: "soon", o: 1 }) });
  await settled("malformed pushes");

  await fault({ kind: "out-of-order", symbol: "XRPETH", back: 6 });
  await fault({ kind: "out-of-order", symbol: "ETHBTC", back: 2 });
  await settled("out-of-order candles");

  await fault({ kind: "duplicate", symbol: "ETHBTC", times: 3 });
  await fault({ kind: "duplicate", symbol: "XRPETH" });
  await settled("duplicate candles");

  expect(stream.injected).toEqual({
    restart: 1,
    disconnect: 1,
    silence: 1,
    resume: 0,
    malformed: 2,
    "out-of-order": 2,
    duplicate: 2,
  });
  // The end: every recorded minute closed and stored as computeSeries makes it.
  const end = fake.endTime - MINUTE;
  await waitFor(
    "the recording's end",
    () => (fake.clock.now() >= fake.endTime ? true : undefined),
    120_000,
    250,
  );
  await waitFor(
    "every row of the recording",
    async () => ((await differences(end)).length === 0 ? true : undefined),
    30_000,
    200,
  );
  for (const symbol of SYMBOLS) {
    const stored = await store.rows({ symbol, from: 0, to: end + 1 }, 10_000);
    expect(stored.length).toBe(expected.get(symbol)?.length ?? -1);
  }
  const metrics = await registry.metrics();
  expect(metrics).toMatch(/shamdan_ingest_pushes_malformed_total\{symbol="XRPETH",reason="not_json"\} 1/);
  expect(metrics).toMatch(/shamdan_ingest_pushes_total\{symbol="XRPETH",outcome="stale"\} [1-9]/);
}, 240_000);
