/**
 * Ingest on the WebSocket stream against a REAL Centrifugo server (built once from its Go module,
 * centrifugo-server.ts), fed the way Nobitex feeds its stream: the fake Nobitex serves a recording live
 * on an accelerated clock, and a publisher plays each symbol's latest UDF candle into Centrifugo through
 * its HTTP API, `data` a JSON string. While candles flow, the test kills Centrifugo (`kill -9`) and
 * starts it again, drops every connection, silences one symbol past WS_SILENCE_MS, and publishes
 * malformed data, an old candle (out of order) and the same candle twice. Afterwards each symbol's
 * messages, read back from the real Kafka, must be in time order, carry no unchanged repeat, and end as exactly the recording:
 * nothing lost across the faults, nothing duplicated. A second test subscribes with the `fossil` delta
 * and checks that deltas arrive and decode to the published candles; a third that the SDK, on Bun's
 * WebSocket, answers the server's pings (a bare client that does not is dropped).
 */

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KafkaBus } from "@shamdan/shared/adapters/kafka/kafka-bus";
import { type ConsumedMessage, type Subscription, textDecoder } from "@shamdan/shared/core/bus";
import { topicFor } from "@shamdan/shared/core/config";
import { silentLogger } from "@shamdan/shared/core/log";
import { type CandleMessage, CandleMessageSchema } from "@shamdan/shared/core/messages";
import type { Candle } from "@shamdan/shared/core/udf";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
import { Registry } from "prom-client";
import * as v from "valibot";
import { type CandlePublisher, startCandlePublisher } from "./centrifugo-publisher.ts";
import { type CentrifugoServer, ensureCentrifugo, startCentrifugo } from "./centrifugo-server.ts";
import { type FakeNobitex, startFakeNobitex } from "./fake-nobitex.ts";
import { type IngestService, startIngestService } from "./ingest-service.ts";
import { counterValue, createIngestMetrics } from "./metrics.ts";
import { WsLiveSource } from "./ws-source.ts";

const DATA = join(import.meta.dir, "..", "data", "candles");
const SYMBOLS = ["ETHBTC", "XRPETH"];
/** Served time runs 12 times real time: a minute candle forms in 5 s. */
const SPEED = 12;
const dir = mkdtempSync(join(tmpdir(), "shamdan-ws-it-"));
let binary = "";
let centrifugo: CentrifugoServer | undefined;
let fake: FakeNobitex | undefined;
let publisher: CandlePublisher | undefined;
let ingest: IngestService | undefined;
let reader: Subscription | undefined;
const TOPIC_TEMPLATE = `${uniqueName("it_ws")}_{symbol}`;
const GROUP = uniqueName("it_ws_reader");
const bus = new KafkaBus(testConfig({ KAFKA_CLIENT_ID: "shamdan-ws-it" }));

async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port as number;
  await server.stop(true);
  return port;
}

beforeAll(async () => {
  // Built once (a few minutes) into the project's tools folder; later runs reuse it.
  await requireInfra();
  binary = await ensureCentrifugo({ log: (line) => process.stderr.write(`${line}\n`) });
}, 900_000);

afterAll(async () => {
  await ingest?.stop();
  await reader?.stop();
  const admin = await bus.admin();
  await admin.deleteGroups([GROUP]).catch(() => {});
  await admin
    .deleteTopics({ topics: SYMBOLS.map((s) => TOPIC_TEMPLATE.replace("{symbol}", s.toLowerCase())) })
    .catch(() => {});
  await bus.close();
  await publisher?.stop();
  await fake?.stop();
  await centrifugo?.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

const finals = (messages: CandleMessage[]): Candle[] => {
  const last = new Map<number, Candle>();
  for (const { openTime, open, high, low, close, volume } of messages)
    last.set(openTime, { openTime, open, high, low, close, volume });
  return [...last.values()].sort((a, b) => a.openTime - b.openTime);
};

test("through a Centrifugo kill -9, dropped connections, silence and bad pushes, each topic ends as the recording", async () => {
  centrifugo = await startCentrifugo({ binary, port: await freePort(), dir: join(dir, "main") });
  fake = await startFakeNobitex({
    dataDir: DATA,
    symbols: SYMBOLS,
    limit: 48,
    live: true,
    history: 40,
    speed: SPEED,
    formingSteps: 6,
  });
  const live = fake;
  // Nobitex pushes about every 10 s per channel; here about every 3 served seconds (250 ms real).
  publisher = startCandlePublisher({
    centrifugo,
    udfUrl: fake.url,
    symbols: SYMBOLS,
    resolution: "1",
    intervalMs: 250,
    now: fake.clock.now,
  });
  const config = testConfig({
    SYMBOLS: SYMBOLS.join(","),
    TOPIC_TEMPLATE,
    NOBITEX_BASE_URL: fake.url,
    LIVE_SOURCE: "websocket",
    NOBITEX_WS_URL: centrifugo.wsUrl,
    WS_SILENCE_MS: "2000",
    POLL_CRON: "* * * * * *",
    BACKFILL_CANDLES: "100",
  });
  // Each topic read back from the real Kafka as it fills (one partition: publish order).
  const topics = new Map<string, CandleMessage[]>(SYMBOLS.map((s) => [topicFor(config, s), []]));
  await bus.ensureTopics([...topics.keys()].map((name) => ({ name, partitions: 1, replication: 1 })));
  reader = await bus.subscribe({
    groupId: GROUP,
    topics: [...topics.keys()],
    fromBeginning: true,
    onBatch: async ({ topic, messages }) => {
      for (const m of messages as ConsumedMessage[])
        topics.get(topic)?.push(v.parse(CandleMessageSchema, JSON.parse(textDecoder.decode(m.value))));
    },
  });
  const sent = (symbol: string) => topics.get(topicFor(config, symbol)) ?? [];
  const started = performance.now();
  ingest = await startIngestService({
    config,
    bus,
    logger: silentLogger,
    registry: new Registry(),
    healthPort: 0,
    now: fake.clock.now,
    wsReconnectDelayMs: { min: 100, max: 1000 },
  });
  const service = ingest;
  const metrics = service.metrics;
  const health = service.health?.url ?? "";
  const pushed = (outcome: string, symbol?: string) =>
    counterValue(metrics.pushes, symbol ? { outcome, symbol } : { outcome });
  const readiness = async () =>
    (await (await fetch(`${health}/readyz`)).json()) as {
      status: string;
      detail: Record<string, { source: string; lastPushAgeMs: number | null; reconnects: number }>;
    };
  const publishedNow = async () => Promise.all(SYMBOLS.map((s) => pushed("published", s)));
  const pushesFlow = async (what: string) => {
    const before = await publishedNow();
    await waitFor(
      what,
      async () => ((await publishedNow()).every((n, i) => n > (before[i] ?? 0)) ? true : undefined),
      20_000,
    );
  };

  await pushesFlow("pushed candles published for every symbol");
  expect((await readiness()).status).toBe("ready");
  for (const s of SYMBOLS) expect((await readiness()).detail[s]?.source).toBe("websocket");

  // 1. Centrifugo killed, up again 2 s (24 served seconds) later: reconnect, gap filled from UDF.
  await centrifugo.stop(true);
  await Bun.sleep(2000);
  await centrifugo.restart();
  await waitFor(
    "a reconnect",
    () => (service.live.status("ETHBTC").reconnects >= 1 ? true : undefined),
    15_000,
  );
  await pushesFlow("pushes published after the restart");

  // 2. Every connection dropped by the server.
  await centrifugo.disconnectAll();
  await waitFor(
    "a second reconnect",
    () => (service.live.status("ETHBTC").reconnects >= 2 ? true : undefined),
    15_000,
  );
  await pushesFlow("pushes published after the disconnect");

  // 3. ETHBTC silent past WS_SILENCE_MS: the poller covers it; pushes return, the stream takes over.
  publisher.silence("ETHBTC", true);
  await waitFor("ETHBTC covered by polls", async () =>
    (await readiness()).detail.ETHBTC?.source === "poll" ? true : undefined,
  );
  const polledWhileSilent = await counterValue(metrics.polls, { symbol: "ETHBTC" });
  await waitFor("ETHBTC polled while silent", async () =>
    (await counterValue(metrics.polls, { symbol: "ETHBTC" })) > polledWhileSilent + 1 ? true : undefined,
  );
  expect((await readiness()).detail.XRPETH?.source).toBe("websocket");
  publisher.silence("ETHBTC", false);
  await waitFor("ETHBTC back on the stream", async () =>
    (await readiness()).detail.ETHBTC?.source === "websocket" ? true : undefined,
  );

  // 4. Malformed data, an old candle, the same candle twice.
  await publisher.publishRaw("XRPETH", "{not json");
  await publisher.publishRaw("XRPETH", JSON.stringify({ t: "soon", o: 1, h: 1, l: 1, c: 1, v: 1 }));
  const old = fake.expected("XRPETH").at(-12) as Candle;
  await publisher.publishCandle("XRPETH", old);
  const latest = (await publisher.latest("XRPETH")) as Candle;
  await publisher.publishCandle("XRPETH", latest);
  await publisher.publishCandle("XRPETH", latest);
  await waitFor("the bad pushes counted", async () => {
    const notJson = await counterValue(metrics.pushesMalformed, { symbol: "XRPETH", reason: "not_json" });
    const badShape = await counterValue(metrics.pushesMalformed, { symbol: "XRPETH", reason: "bad_shape" });
    const stale = await pushed("stale", "XRPETH");
    return notJson === 1 && badShape === 1 && stale >= 1 ? true : undefined;
  });
  expect(await pushed("unchanged", "XRPETH")).toBeGreaterThan(0);

  // The end: every recorded candle closed and its final value pushed; each topic must equal it.
  await waitFor(
    "every topic equal to the recording",
    () =>
      SYMBOLS.every((s) => JSON.stringify(finals(sent(s))) === JSON.stringify(live.expected(s)))
        ? true
        : undefined,
    60_000,
    250,
  );
  const elapsedS = (performance.now() - started) / 1000;
  for (const s of SYMBOLS) {
    const messages = sent(s);
    expect(finals(messages)).toEqual(live.expected(s));
    for (let i = 1; i < messages.length; i++) {
      const [a, b] = [messages[i - 1] as CandleMessage, messages[i] as CandleMessage];
      // Time order: never an older candle after a newer one (the processor would drop it).
      expect(b.openTime).toBeGreaterThanOrEqual(a.openTime);
      // No unchanged repeat: a re-publish of a minute carries new values.
      if (a.openTime === b.openTime)
        expect([a.open, a.high, a.low, a.close, a.volume]).not.toEqual([
          b.open,
          b.high,
          b.low,
          b.close,
          b.volume,
        ]);
    }
  }
  const metricsText = await (await fetch(`${health}/metrics`)).text();
  expect(metricsText).toContain('shamdan_ingest_live_source{symbol="XRPETH",source="websocket"} 1');
  expect(metricsText).toMatch(/shamdan_ingest_ws_reconnects_total [2-9]/);
  expect(metricsText).toContain('shamdan_ingest_last_push_age_seconds{symbol="ETHBTC"}');
  const polls = await counterValue(metrics.polls, { symbol: "XRPETH" });
  process.stderr.write(
    `ws IT: ${elapsedS.toFixed(1)} s, XRPETH ${polls} polls (cron: ${Math.round(elapsedS)} runs), pushes published ${await pushed("published")}, unchanged ${await pushed("unchanged")}, stale ${await pushed("stale")}, reconnects ${service.live.status("XRPETH").reconnects}\n`,
  );
}, 120_000);

test("a subscription with the fossil delta receives diffs and decodes them to the published candles", async () => {
  const server = await startCentrifugo({ binary, port: await freePort(), dir: join(dir, "delta") });
  const received: Candle[] = [];
  const source = new WsLiveSource({
    url: server.wsUrl,
    symbols: ["BTCIRT"],
    resolution: "1",
    poller: {
      acceptPush: async (_symbol, candle) => {
        received.push(candle);
        return "published";
      },
      pollSymbol: async () => "ok",
    },
    metrics: createIngestMetrics(),
    logger: silentLogger,
    silenceMs: 30_000,
    delta: true,
  });
  try {
    await source.start();
    await waitFor("subscribed", () => (source.status("BTCIRT").lastPushAgeMs !== null ? true : undefined));
    const publisher = startCandlePublisher({
      centrifugo: server,
      udfUrl: "http://127.0.0.1:1",
      symbols: [],
      resolution: "1",
      intervalMs: 1000,
      delta: true,
    });
    // A forming BTCIRT candle in toman, growing as trades arrive: successive pushes differ a little.
    const t0 = Date.UTC(2026, 6, 1, 12, 0);
    const sent: Candle[] = [];
    for (let i = 0; i < 20; i++) {
      const close = 12_000_000_000 + i * 1_500_000;
      sent.push({
        openTime: t0 + Math.floor(i / 10) * 60_000,
        open: 12_000_000_000,
        high: close,
        low: 11_990_000_000,
        close,
        volume: 0.5 + i / 100,
      });
      await publisher.publishCandle("BTCIRT", sent.at(-1) as Candle);
    }
    await waitFor("every push received", () => (received.length >= sent.length ? true : undefined), 10_000);
    expect(received).toEqual(sent);
    const stats = source.deltaStats("BTCIRT");
    expect(stats?.numDeltaPayloads).toBeGreaterThan(0);
    expect(stats?.bytesReceived).toBeLessThan(stats?.bytesDecoded ?? 0);
    process.stderr.write(`ws delta IT: ${JSON.stringify(stats)}\n`);
    await publisher.stop();
  } finally {
    await source.stop();
    await server.stop(true);
  }
}, 60_000);

test("on Bun's WebSocket the SDK answers the server's pings: an idle connection outlives many ping rounds", async () => {
  // Nobitex pings every 25 s; here every 2 s with a 1 s pong timeout, so a client that did not answer
  // would be dropped (and reconnect) within 3 s.
  const server = await startCentrifugo({
    binary,
    port: await freePort(),
    dir: join(dir, "ping"),
    pingIntervalS: 2,
    pongTimeoutS: 1,
  });
  const metrics = createIngestMetrics();
  const source = new WsLiveSource({
    url: server.wsUrl,
    symbols: ["BTCIRT"],
    resolution: "1",
    poller: { acceptPush: async () => "published", pollSymbol: async () => "ok" },
    metrics,
    logger: silentLogger,
    silenceMs: 30_000,
  });
  try {
    await source.start();
    await waitFor("subscribed", () => (source.status("BTCIRT").lastPushAgeMs !== null ? true : undefined));
    await Bun.sleep(7000);
    expect(source.status("BTCIRT").reconnects).toBe(0);
    expect((await metrics.wsConnected.get()).values[0]?.value).toBe(1);
    // The pings are real: a bare client that connects and never answers them is dropped.
    const raw = new WebSocket(server.wsUrl);
    const closed = new Promise<number>((done) => raw.addEventListener("close", (event) => done(event.code)));
    raw.addEventListener("open", () => raw.send(JSON.stringify({ connect: {}, id: 1 })));
    const opened = performance.now();
    const code = await Promise.race([closed, Bun.sleep(10_000).then(() => -1)]);
    expect(code).not.toBe(-1);
    process.stderr.write(
      `ws ping IT: a client that never pongs was closed (code ${code}) after ${Math.round(performance.now() - opened)} ms\n`,
    );
  } finally {
    await source.stop();
    await server.stop(true);
  }
}, 30_000);
