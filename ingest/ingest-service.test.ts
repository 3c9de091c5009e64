import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { textDecoder } from "@shamdan/shared/bus/bus";
import { MemoryBus } from "@shamdan/shared/bus/memory-bus";
import { loadConfig } from "@shamdan/shared/config";
import { silentLogger } from "@shamdan/shared/log";
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
    { SYMBOLS: "XRPETH,BTCIRT", NOBITEX_BASE_URL: fake.url, BACKFILL_CANDLES: "100" },
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
