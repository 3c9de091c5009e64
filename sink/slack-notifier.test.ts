import { afterAll, expect, test } from "bun:test";
import { silentLogger } from "@shamdan/shared/log";
import type { IndicatorRow } from "@shamdan/shared/messages";
import { formatChange, SlackNotifier } from "./slack-notifier.ts";

const NOW = Date.UTC(2026, 10, 26, 12, 0);

function row(overrides: Partial<IndicatorRow>): IndicatorRow {
  return {
    v: 1,
    symbol: "BTCIRT",
    openTime: NOW - 60_000,
    open: 1,
    high: 1,
    low: 1,
    close: 12161000001,
    volume: 0.5,
    sma: 1,
    ema: 1,
    delta: 0,
    gain: 0,
    loss: 0,
    avgGain: 0,
    avgLoss: 0,
    rs: null,
    rsi: 41.234,
    signal: "BUY",
    signalChanged: true,
    replaced: false,
    ...overrides,
  };
}

// A real HTTP server on loopback stands in for Slack's webhook endpoint.
const received: string[] = [];
let answer = 200;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    received.push(await request.text());
    return new Response(answer === 429 ? "rate limited" : "ok", {
      status: answer,
      headers: answer === 429 ? { "retry-after": "7" } : {},
    });
  },
});
afterAll(() => server.stop(true));

test("announces only live signal changes, coalesced into one message", async () => {
  received.length = 0;
  answer = 200;
  const notifier = new SlackNotifier({
    webhookUrl: `http://127.0.0.1:${server.port}/hook`,
    logger: silentLogger,
    now: () => NOW,
  });
  const queued = notifier.offer([
    row({ symbol: "BTCIRT", signal: "BUY" }),
    row({ symbol: "ETHIRT", signal: "SELL" }),
    row({ symbol: "USDTIRT", signalChanged: false }),
    row({ symbol: "ETCIRT", openTime: NOW - 60 * 60_000 }),
  ]);
  expect(queued).toBe(2);
  expect(await notifier.flush()).toBe(true);
  expect(received).toHaveLength(1);
  const text = JSON.parse(received[0] ?? "{}").text as string;
  expect(text.split("\n")).toEqual([
    "*BTCIRT* → *BUY* at 2026-11-26 11:59 UTC · close 12161000001 · RSI 41.23",
    "*ETHIRT* → *SELL* at 2026-11-26 11:59 UTC · close 12161000001 · RSI 41.23",
  ]);
  expect(await notifier.flush()).toBe(false);
});

test("honours Slack's Retry-After and keeps the changes for later", async () => {
  received.length = 0;
  answer = 429;
  let now = NOW;
  const notifier = new SlackNotifier({
    webhookUrl: `http://127.0.0.1:${server.port}/hook`,
    logger: silentLogger,
    now: () => now,
  });
  notifier.offer([row({})]);
  expect(await notifier.flush()).toBe(false);
  expect(received).toHaveLength(1);
  answer = 200;
  now = NOW + 6_000;
  expect(await notifier.flush()).toBe(false);
  expect(received).toHaveLength(1);
  now = NOW + 7_000;
  expect(await notifier.flush()).toBe(true);
  expect(received).toHaveLength(2);
});

test("formats small prices with significant digits and undefined RSI as n/a", () => {
  expect(formatChange(row({ symbol: "SHIBIRT", close: 0.00123456789, rsi: null }))).toContain(
    "close 0.0012345679 · RSI n/a",
  );
});
