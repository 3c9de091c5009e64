import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { MemoryBus } from "@shamdan/shared/adapters/memory/memory-bus";
import { textDecoder } from "@shamdan/shared/core/bus";
import { loadConfig } from "@shamdan/shared/core/config";
import { createLogger, silentLogger } from "@shamdan/shared/core/log";
import { waitFor } from "@shamdan/shared/testing/integration";
import { startFakeNobitex } from "./fake-nobitex.ts";
import { startIngestService } from "./ingest-service.ts";

const fake = await startFakeNobitex({
  dataDir: join(import.meta.dir, "..", "data", "candles"),
  symbols: ["XRPETH"],
  map: { BTCIRT: "XRPETH" },
  limit: 50,
});
const bus = new MemoryBus();
afterAll(async () => {
  await fake.stop();
  await bus.close();
});

test("embedded mode: the service runs on the in-memory bus and serves health and metrics", async () => {
  const config = loadConfig(
    {},
    { SYMBOLS: "XRPETH,BTCIRT", NOBITEX_BASE_URL: fake.url, LIVE_SOURCE: "poll", BACKFILL_CANDLES: "100" },
  );
  // History mode: the recording ended a while ago in fake time, so the clock sits just after it.
  const service = await startIngestService({
    config,
    bus,
    logger: silentLogger,
    healthPort: 0,
    now: () => fake.endTime,
  });
  try {
    const health = service.health?.url ?? "";
    expect((await fetch(`${health}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${health}/metrics`)).text();
    expect(metrics).toContain('shamdan_ingest_candles_published_total{symbol="BTCIRT"} 50');
    expect(metrics).toContain("shamdan_ingest_process_cpu_seconds_total");
    const seen: number[] = [];
    const subscription = await bus.subscribe({
      groupId: "reader",
      topics: ["btcirt_topic"],
      onBatch: async ({ messages }) => {
        for (const m of messages) seen.push(JSON.parse(textDecoder.decode(m.value)).close);
      },
    });
    await waitFor("50 candles on btcirt_topic", () => (seen.length >= 50 ? true : undefined));
    await subscription.stop();
    expect(seen).toEqual(fake.expected("BTCIRT").map((c) => c.close));
  } finally {
    await service.stop();
  }
});

test("Nobitex unreachable: /readyz answers 503 with each symbol's state and error, and one line says what to check", async () => {
  // A port that was just free: connections are refused, as for a blocked or offline Nobitex.
  const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const url = `http://127.0.0.1:${closed.port}`;
  await closed.stop(true);
  const lines: Record<string, unknown>[] = [];
  const config = loadConfig(
    {},
    { SYMBOLS: "BTCIRT,ETHIRT", NOBITEX_BASE_URL: url, LIVE_SOURCE: "poll", NOBITEX_TIMEOUT_MS: "2000" },
  );
  const service = await startIngestService({
    config,
    bus,
    logger: createLogger("info", {}, (line) => lines.push(JSON.parse(line))),
    healthPort: 0,
  });
  try {
    const response = await fetch(`${service.health?.url}/readyz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as {
      status: string;
      detail: Record<string, Record<string, unknown>>;
    };
    expect(body.status).toBe("not ready");
    for (const symbol of ["BTCIRT", "ETHIRT"])
      expect(body.detail[symbol]).toMatchObject({
        status: "failing",
        failures: 1,
        lastErrorKind: "network",
        lastError: expect.stringContaining("request failed"),
        lastSuccessAt: null,
      });
    const notReady = lines.filter((l) => l.level === "error");
    expect(notReady).toHaveLength(1);
    expect(notReady[0]).toMatchObject({
      msg: "ingest not ready: every symbol's polls fail",
      check: expect.stringContaining(`Nobitex at ${url}`),
    });
    expect(lines.some((l) => l.msg === "ingest ready")).toBe(false);
  } finally {
    await service.stop();
  }
});

test("the stream unreachable (LIVE_SOURCE=websocket): every symbol is polled on POLL_CRON, ingest is ready", async () => {
  const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const wsUrl = `ws://127.0.0.1:${closed.port}/connection/websocket`;
  await closed.stop(true);
  const config = loadConfig(
    {},
    {
      SYMBOLS: "XRPETH,BTCIRT",
      NOBITEX_BASE_URL: fake.url,
      LIVE_SOURCE: "websocket",
      NOBITEX_WS_URL: wsUrl,
      POLL_CRON: "* * * * * *",
      BACKFILL_CANDLES: "100",
    },
  );
  const service = await startIngestService({
    config,
    bus: new MemoryBus(),
    logger: silentLogger,
    healthPort: 0,
    now: () => fake.endTime,
    wsReconnectDelayMs: { min: 100, max: 500 },
  });
  try {
    const health = service.health?.url ?? "";
    const readyz = async () =>
      (await (await fetch(`${health}/readyz`)).json()) as {
        status: string;
        detail: Record<string, { source: string; lastPushAgeMs: number | null }>;
      };
    expect((await readyz()).status).toBe("ready");
    expect((await readyz()).detail.BTCIRT).toMatchObject({ source: "poll", lastPushAgeMs: null });
    const polls = () => fake.stats.bySymbol.BTCIRT ?? 0;
    const before = polls();
    // The scheduled runs cover the symbols the stream does not deliver.
    await waitFor("scheduled polls of BTCIRT", () => (polls() >= before + 2 ? true : undefined), 5000);
    const metrics = await (await fetch(`${health}/metrics`)).text();
    expect(metrics).toContain('shamdan_ingest_live_source{symbol="BTCIRT",source="poll"} 1');
    expect(metrics).toContain("shamdan_ingest_ws_connected 0");
  } finally {
    await service.stop();
  }
});
