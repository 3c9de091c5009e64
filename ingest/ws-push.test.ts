/**
 * Pushed candles share the polled ones' path: the push format is parsed (Nobitex's JSON-string `data`),
 * and Poller.acceptPush applies the same checks, dedup and time order, polling the UDF endpoint first
 * when a push opens a later period (the previous period's final values and any gap go out before it).
 */
import { expect, test } from "bun:test";
import { loadConfig } from "@shamdan/shared/core/config";
import { silentLogger } from "@shamdan/shared/core/log";
import type { Candle } from "@shamdan/shared/core/udf";
import { nobitexPushData } from "./centrifugo-publisher.ts";
import { counterValue, createIngestMetrics } from "./metrics.ts";
import type { HistoryPage } from "./nobitex-client.ts";
import { type CandleSource, Poller } from "./poller.ts";
import { parsePushData } from "./push-candle.ts";
import { RecordingBus } from "./testing/recording-bus.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 6, 1, 12, 0);
const candle = (minute: number, close: number, volume = 1): Candle => ({
  openTime: T0 + minute * MIN,
  open: 100,
  high: Math.max(100, close),
  low: Math.min(100, close),
  close,
  volume,
});

test("a push's data is a JSON string of t (seconds), o, h, l, c, v; what is not a candle gets a reason", () => {
  const c = candle(3, 101.5, 2.25);
  expect(parsePushData(nobitexPushData(c))).toEqual({ candle: c });
  expect(parsePushData(JSON.parse(nobitexPushData(c)))).toEqual({ candle: c });
  expect(parsePushData("{not json")).toMatchObject({ malformed: "not_json" });
  expect(parsePushData('"a string"')).toMatchObject({ malformed: "bad_shape" });
  expect(parsePushData(JSON.stringify({ t: 1, o: 1, h: 1, l: 1, c: 1 }))).toMatchObject({
    malformed: "bad_shape",
    detail: "v is not a number",
  });
  expect(parsePushData(JSON.stringify({ t: 1.5, o: 1, h: 1, l: 1, c: 1, v: 1 }))).toMatchObject({
    malformed: "bad_shape",
  });
  expect(parsePushData(JSON.stringify({ t: 1, o: "1", h: 1, l: 1, c: 1, v: 1 }))).toMatchObject({
    malformed: "bad_shape",
  });
});

/** A UDF source whose candles the test sets; counts its requests. */
class StubSource implements CandleSource {
  candles: Candle[] = [];
  requests = 0;
  async fetchRange(query: { from: number; to: number }): Promise<HistoryPage> {
    this.requests++;
    const candles = this.candles.filter(
      (c) => c.openTime >= query.from * 1000 && c.openTime <= query.to * 1000,
    );
    return { status: candles.length > 0 ? "ok" : "no_data", candles, rejected: [] };
  }
}

function setup() {
  const source = new StubSource();
  const bus = new RecordingBus();
  const metrics = createIngestMetrics();
  let now = T0 + 2 * MIN + 5000;
  const poller = new Poller({
    config: loadConfig({}, { SYMBOLS: "BTCIRT", BACKFILL_CANDLES: "10", POLL_CRON: "* * * * * *" }),
    bus,
    source,
    metrics,
    logger: silentLogger,
    now: () => now,
  });
  const sent = () =>
    (bus.topics.get("btcirt_topic") ?? []).map(({ openTime, close }) => [(openTime - T0) / MIN, close]);
  return { source, poller, metrics, sent, setNow: (ms: number) => (now = ms) };
}

test("pushes are deduped like polls, an older one is dropped as stale, and a new period polls first", async () => {
  const { source, poller, metrics, sent, setNow } = setup();
  source.candles = [candle(0, 100), candle(1, 101), candle(2, 102)];
  expect(await poller.pollSymbol("BTCIRT")).toBe("ok");
  expect(sent()).toEqual([
    [0, 100],
    [1, 101],
    [2, 102],
  ]);

  // The forming candle changes: published; the same again: not; an older minute: stale.
  expect(await poller.acceptPush("BTCIRT", candle(2, 103))).toBe("published");
  expect(await poller.acceptPush("BTCIRT", candle(2, 103))).toBe("unchanged");
  expect(await poller.acceptPush("BTCIRT", candle(1, 99))).toBe("stale");
  expect(source.requests).toBe(1);

  // Minute 3 is pushed while minute 2 closed at 104 after its last push, and the UDF already has it:
  // minute 2's final goes out first, from a poll, then minute 3 as pushed (UDF's minute 3 is older).
  source.candles = [candle(0, 100), candle(1, 101), candle(2, 104), candle(3, 105)];
  setNow(T0 + 3 * MIN + 2000);
  expect(await poller.acceptPush("BTCIRT", candle(3, 106))).toBe("published");
  expect(source.requests).toBe(2);
  expect(sent().slice(3)).toEqual([
    [2, 103],
    [2, 104],
    [3, 105],
    [3, 106],
  ]);
  expect(await counterValue(metrics.unchanged)).toBeGreaterThan(0);
});

test("an invalid push is rejected and counted; later pushes wait until its minute arrives valid", async () => {
  const { source, poller, metrics, sent, setNow } = setup();
  source.candles = [candle(0, 100), candle(1, 101)];
  await poller.pollSymbol("BTCIRT");
  const bad = { ...candle(1, 102), low: 200 }; // low above high
  expect(await poller.acceptPush("BTCIRT", bad)).toBe("rejected");
  expect(await counterValue(metrics.rejected, { reason: "ohlc_inconsistent" })).toBe(1);

  // Minute 2 arrives while minute 1 is still pending: the poll re-reads minute 1 (valid on UDF), so
  // both go out, in order.
  source.candles = [candle(0, 100), candle(1, 103), candle(2, 104)];
  setNow(T0 + 2 * MIN + 1000);
  expect(await poller.acceptPush("BTCIRT", candle(2, 104))).toBe("unchanged");
  expect(sent()).toEqual([
    [0, 100],
    [1, 101],
    [1, 103],
    [2, 104],
  ]);
  expect(poller.symbolState("BTCIRT")?.pendingRejected).toEqual([]);
});

test("polls and pushes of one symbol never interleave: concurrent calls publish in time order", async () => {
  const { source, poller, sent, setNow } = setup();
  source.candles = [candle(0, 100)];
  await poller.pollSymbol("BTCIRT");
  source.candles = [candle(0, 100), candle(1, 101), candle(2, 102)];
  setNow(T0 + 2 * MIN + 1000);
  const outcomes = await Promise.all([
    poller.acceptPush("BTCIRT", candle(2, 102.5)),
    poller.pollSymbol("BTCIRT"),
    poller.acceptPush("BTCIRT", candle(2, 102.75)),
  ]);
  expect(outcomes).toEqual(["published", "ok", "published"]);
  const times = sent().map(([minute]) => minute as number);
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(sent().at(-1)).toEqual([2, 102.75]);
});
