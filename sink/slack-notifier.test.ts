import { afterAll, expect, test } from "bun:test";
import { silentLogger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { formatChange, formatClose, formatFixed, formatRsi, SlackNotifier } from "./slack-notifier.ts";

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

test("announces only live changes to BUY or SELL, one message per symbol", async () => {
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
    // A change to HOLD is no call to act (Grafana's rule ignores it too).
    row({ symbol: "SHIBIRT", signal: "HOLD" }),
    row({ symbol: "BTCIRT", signal: "SELL", openTime: NOW }),
  ]);
  expect(queued).toBe(3);
  expect(await notifier.flush()).toBe(true);
  const texts = received.map((body) => JSON.parse(body).text as string);
  // Asia/Tehran is UTC+03:30: the 11:59 UTC candle is 15:29 there.
  expect(texts).toEqual([
    "*BTCIRT* → *BUY* at 2026-11-26 15:29 (Asia/Tehran) · close 12161000001 · RSI 41.23 · <http://127.0.0.1:3000/?symbol=BTCIRT|chart>\n" +
      "*BTCIRT* → *SELL* at 2026-11-26 15:30 (Asia/Tehran) · close 12161000001 · RSI 41.23 · <http://127.0.0.1:3000/?symbol=BTCIRT|chart>",
    "*ETHIRT* → *SELL* at 2026-11-26 15:29 (Asia/Tehran) · close 12161000001 · RSI 41.23 · <http://127.0.0.1:3000/?symbol=ETHIRT|chart>",
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

test("prices: no decimals from 1000 up, 4 from 1 up, else 8; RSI with 2 or n/a; the link given", () => {
  expect(formatChange(row({ symbol: "SHIBIRT", close: 0.00123456789, rsi: null }), "https://g/d")).toBe(
    "*SHIBIRT* → *BUY* at 2026-11-26 15:29 (Asia/Tehran) · close 0.00123457 · RSI n/a · <https://g/d|chart>",
  );
  expect(formatClose(999.99996)).toBe("1000.0000");
  expect(formatClose(12.3)).toBe("12.3000");
  expect(formatClose(1000.5)).toBe("1001");
  expect(formatRsi(45.7)).toBe("45.70");
  expect(formatRsi(100)).toBe("100.00");
  expect(formatFixed(0.05, 2)).toBe("0.05");
});

test("the link comes from linkFor", async () => {
  received.length = 0;
  answer = 200;
  const notifier = new SlackNotifier({
    webhookUrl: `http://127.0.0.1:${server.port}/hook`,
    logger: silentLogger,
    now: () => NOW,
    linkFor: (symbol) => `https://grafana.example/d/shamdan-market?var-symbol=${symbol}`,
  });
  notifier.offer([row({})]);
  await notifier.flush();
  expect(JSON.parse(received[0] ?? "{}").text).toEndWith(
    "<https://grafana.example/d/shamdan-market?var-symbol=BTCIRT|chart>",
  );
});
