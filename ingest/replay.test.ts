import { expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "@shamdan/shared/core/config";
import { createProgress } from "./progress.ts";
import { replay } from "./replay.ts";
import { RecordingBus } from "./testing/recording-bus.ts";

const DATA = join(import.meta.dir, "..", "data", "candles");
const config = loadConfig({});

test("as fast as possible: every recorded candle, per topic in open-time order, in batches", async () => {
  const bus = new RecordingBus();
  const progress: number[] = [];
  const result = await replay({
    config,
    bus,
    dataDir: DATA,
    limit: 100,
    map: { BTCIRT: "XRPETH" },
    batchSize: 64,
    onProgress: (done) => progress.push(done),
  });
  expect(result.published).toBe(400);
  expect(result.bySymbol).toEqual({ ETCBTC: 100, ETHBTC: 100, XRPETH: 100, BTCIRT: 100 });
  expect(progress).toEqual([64, 128, 192, 256, 320, 384, 400]);
  for (const topic of ["etcbtc_topic", "ethbtc_topic", "xrpeth_topic", "btcirt_topic"]) {
    const times = (bus.topics.get(topic) ?? []).map((m) => m.openTime);
    expect(times).toHaveLength(100);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  }
  expect(bus.topics.get("btcirt_topic")?.map((m) => m.close)).toEqual(
    bus.topics.get("xrpeth_topic")?.map((m) => m.close),
  );
  expect(bus.ensured.map((t) => t.name).sort()).toEqual([
    "btcirt_topic",
    "etcbtc_topic",
    "ethbtc_topic",
    "xrpeth_topic",
  ]);
});

test("--speed paces by recorded time (60x: one recorded minute per second)", async () => {
  const bus = new RecordingBus();
  let t = 0;
  const result = await replay({
    config,
    bus,
    dataDir: DATA,
    symbols: ["XRPETH"],
    limit: 10,
    speed: 60,
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  });
  expect(result.published).toBe(10);
  // The first candle goes at once, the tenth nine recorded minutes later = 9 s at 60x.
  expect(result.elapsedMs).toBe(9000);
  expect(bus.topics.get("xrpeth_topic")?.map((m) => m.fetchedAt)).toEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => s * 1000),
  );
});

test("progress: plain lines every 10 % without a terminal, a redrawn bar on one", () => {
  const lines: string[] = [];
  const plain = createProgress({
    total: 100,
    label: "replay",
    unit: "candles",
    stream: { write: (s) => lines.push(s) },
  });
  for (let i = 1; i <= 100; i++) plain.update(i);
  plain.finish();
  expect(lines).toHaveLength(11); // first update, then each 10 %
  expect(lines.at(-1)).toStartWith("replay 100/100 candles 100%");
  const tty: string[] = [];
  let t = 0;
  const bar = createProgress({
    total: 4,
    label: "replay",
    stream: { write: (s) => tty.push(s), isTTY: true },
    now: () => (t += 200),
  });
  bar.update(2);
  bar.finish();
  expect(tty[0]).toStartWith(`\r[${"#".repeat(15)}${" ".repeat(15)}] replay 2/4`);
  expect(tty.at(-1)).toEndWith("\n");
});
