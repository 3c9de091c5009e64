/**
 * The notifier and its channels against local stand-ins of Slack's webhook, Telegram's and Bale's
 * Bot API and a generic webhook (Bun.serve on 127.0.0.1; nothing reaches the internet): what each
 * receives, 429 with `retry_after`, 5xx, timeouts, refusals, which rows become alerts, that tokens
 * stay out of the logs, and the Persian message.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { loadConfig } from "@shamdan/shared/core/config";
import { redact } from "@shamdan/shared/core/errors";
import { createLogger, silentLogger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { testRow } from "@shamdan/shared/testing/rows";
import { Registry } from "prom-client";
import { formatChange } from "../slack-notifier.ts";
import { BotApiChannel, type NotifyChannel, SlackChannel, WebhookChannel } from "./channels.ts";
import { channelsFromConfig, chartLinkFor, notifierFromConfig, resolutionMs } from "./from-config.ts";
import { formatJalaliTehran, plainText, slackText } from "./message.ts";
import { Notifier, type NotifierOptions, testChannels } from "./notifier.ts";

const TOKEN = "123456789:AAH-secret_TokenValue";
const MINUTE = 60_000;

interface Received {
  path: string;
  body: Record<string, unknown>;
  at: number;
}

/** A stand-in HTTP service answering each request with the next responder (the last one repeats). */
function standIn(responders: Array<(req: Request) => Response | Promise<Response>>) {
  const received: Received[] = [];
  let i = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      received.push({
        path: new URL(req.url).pathname,
        body: (await req.json()) as Record<string, unknown>,
        at: Date.now(),
      });
      const responder = responders[Math.min(i++, responders.length - 1)];
      if (!responder) throw new Error("no responder");
      return responder(req);
    },
  });
  servers.push(server);
  return { url: server.url.href.replace(/\/$/, ""), received };
}

const servers: Array<ReturnType<typeof Bun.serve>> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop(true);
});

const ok = () => Response.json({ ok: true, result: { message_id: 1 } });
const telegram429 = (seconds: number) => () =>
  Response.json(
    {
      ok: false,
      error_code: 429,
      description: `Too Many Requests: retry after ${seconds}`,
      parameters: { retry_after: seconds },
    },
    { status: 429 },
  );
const status =
  (code: number, text = "") =>
  () =>
    new Response(text, { status: code });
/** Never answers (until the server stops). */
const hang = () => new Promise<Response>(() => {});

/** A live row: a change to `signal` on the candle open now. */
function liveRow(fields: Partial<IndicatorRow> = {}): IndicatorRow {
  return testRow({
    symbol: "BTCIRT",
    openTime: Math.floor(Date.now() / MINUTE) * MINUTE,
    close: 12_345_678,
    rsi: 45.123,
    signal: "BUY",
    signalChanged: true,
    ...fields,
  });
}

function notifier(channels: NotifyChannel[], options: Partial<NotifierOptions> = {}) {
  return new Notifier({
    channels,
    logger: silentLogger,
    linkFor: chartLinkFor({ NOTIFY_CHART_URL: undefined, API_PORT: 3000 }),
    candleMs: MINUTE,
    maxDelayMs: 120_000,
    timeoutMs: 2000,
    maxAttempts: 4,
    backoff: { baseMs: 20, maxMs: 50 },
    ...options,
  });
}

const telegram = (url: string, lang: "en" | "fa" = "en") =>
  new BotApiChannel("telegram", { apiUrl: url, token: TOKEN, chatId: "-100200" }, { lang });

describe("Telegram and Bale (Bot API sendMessage)", () => {
  test("posts chat_id and the text to /bot<token>/sendMessage", async () => {
    const tg = standIn([ok]);
    const n = notifier([telegram(tg.url)]);
    expect(n.offer([liveRow()])).toBe(1);
    await n.idle();
    expect(tg.received.length).toBe(1);
    expect(tg.received[0]?.path).toBe(`/bot${TOKEN}/sendMessage`);
    expect(tg.received[0]?.body.chat_id).toBe("-100200");
    expect(tg.received[0]?.body.text).toBe(
      plainText({ ...liveRow(), signal: "BUY", link: "http://127.0.0.1:3000/?symbol=BTCIRT" }, "en"),
    );
    expect(String(tg.received[0]?.body.text)).toContain("BTCIRT → BUY at ");
    expect(String(tg.received[0]?.body.text)).toContain("close 12345678 toman · RSI 45.12");
  });

  test("429 with retry_after: waits the seconds Telegram asks for, then delivers", async () => {
    const tg = standIn([telegram429(1), ok]);
    const registry = new Registry();
    const n = notifier([telegram(tg.url)], { registry });
    n.offer([liveRow()]);
    await n.idle();
    expect(tg.received.length).toBe(2);
    const waited = (tg.received[1]?.at ?? 0) - (tg.received[0]?.at ?? 0);
    // The backoff alone would have waited at most 50 ms.
    expect(waited).toBeGreaterThanOrEqual(950);
    const metric = await registry.getSingleMetricAsString("shamdan_notify_messages_total");
    expect(metric).toContain('shamdan_notify_messages_total{channel="telegram",outcome="sent"} 1');
  });

  test("5xx: retried with backoff until it succeeds", async () => {
    const bale = standIn([status(502), status(503), ok]);
    const channel = new BotApiChannel(
      "bale",
      { apiUrl: bale.url, token: TOKEN, chatId: "42" },
      { lang: "en" },
    );
    const n = notifier([channel]);
    n.offer([liveRow()]);
    await n.idle();
    expect(bale.received.length).toBe(3);
    expect(bale.received.every((r) => r.path === `/bot${TOKEN}/sendMessage`)).toBe(true);
  });

  test("a timeout is retried; an answer after the timeout does not count", async () => {
    const tg = standIn([hang, ok]);
    const n = notifier([telegram(tg.url)], { timeoutMs: 200 });
    n.offer([liveRow()]);
    await n.idle();
    expect(tg.received.length).toBe(2);
  });

  test("gives up after maxAttempts; a refusal (400) is not retried; both are counted failed", async () => {
    const down = standIn([status(500)]);
    const refused = standIn([
      () =>
        Response.json(
          { ok: false, error_code: 400, description: "Bad Request: chat not found" },
          { status: 400 },
        ),
    ]);
    const registry = new Registry();
    const n = notifier(
      [
        telegram(down.url),
        new BotApiChannel("bale", { apiUrl: refused.url, token: TOKEN, chatId: "1" }, { lang: "en" }),
      ],
      { registry, maxAttempts: 3 },
    );
    n.offer([liveRow()]);
    await n.idle();
    expect(down.received.length).toBe(3);
    expect(refused.received.length).toBe(1);
    const metric = await registry.getSingleMetricAsString("shamdan_notify_messages_total");
    expect(metric).toContain('{channel="telegram",outcome="failed"} 1');
    expect(metric).toContain('{channel="bale",outcome="failed"} 1');
  });

  test("200 without ok: true is not a delivery", async () => {
    const tg = standIn([() => Response.json({ ok: false, description: "strange" })]);
    const [result] = await testChannels([telegram(tg.url)], 1000);
    expect(result).toEqual({
      channel: "telegram",
      ok: false,
      error: "Telegram did not confirm the message: strange",
    });
  });
});

describe("Slack and the webhook", () => {
  test("Slack gets the embedded notifier's (and Grafana's) words; 429 Retry-After is honoured", async () => {
    const slack = standIn([
      () => new Response("rate_limited", { status: 429, headers: { "retry-after": "1" } }),
      () => new Response("ok"),
    ]);
    const n = notifier([new SlackChannel(`${slack.url}/services/T0/B0/secret`, { lang: "en" })]);
    const row = liveRow();
    n.offer([row]);
    await n.idle();
    expect(slack.received.length).toBe(2);
    expect((slack.received[1]?.at ?? 0) - (slack.received[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(slack.received[1]?.body).toEqual({
      text: formatChange(row, "http://127.0.0.1:3000/?symbol=BTCIRT"),
    });
  });

  test("the webhook gets one JSON document with the fields and the text", async () => {
    const hook = standIn([ok]);
    const n = notifier([new WebhookChannel(`${hook.url}/hook`, { lang: "en" })]);
    const row = liveRow({ signal: "SELL", sma: 1, ema: 2 });
    n.offer([row]);
    await n.idle();
    expect(hook.received[0]?.body).toEqual({
      type: "signal",
      symbol: "BTCIRT",
      signal: "SELL",
      openTime: new Date(row.openTime).toISOString(),
      close: 12_345_678,
      unit: "toman",
      rsi: 45.123,
      sma: 1,
      ema: 2,
      link: "http://127.0.0.1:3000/?symbol=BTCIRT",
      text: plainText({ ...row, signal: "SELL", link: "http://127.0.0.1:3000/?symbol=BTCIRT" }, "en"),
    });
  });
});

describe("which rows become alerts", () => {
  test("live changes to BUY or SELL of the wanted symbols, at most one per symbol and candle", async () => {
    const hook = standIn([ok]);
    const n = notifier([new WebhookChannel(hook.url, { lang: "en" })], { symbols: ["BTCIRT", "ETHIRT"] });
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    const queued = n.offer([
      liveRow({ symbol: "ETHIRT", signal: "HOLD" }), // a change to HOLD: no call to act
      liveRow({ symbol: "ETHIRT", signalChanged: false }), // not a change
      liveRow({ symbol: "USDTIRT" }), // not a wanted symbol
      liveRow({ symbol: "ETHIRT", openTime: now - 10 * MINUTE }), // history (a backfill's)
      liveRow({ openTime: now - MINUTE }), // the candle just closed: news
      liveRow({ openTime: now - MINUTE, signal: "SELL" }), // the same candle again: already announced
      liveRow({ openTime: now }), // the forming candle: news
      liveRow({ openTime: now, signal: "SELL" }), // it flipped within the minute: one message per candle
      liveRow({ openTime: now - 2 * MINUTE }), // older than one announced: not news any more
    ]);
    expect(queued).toBe(2);
    await n.idle();
    expect(hook.received.map((r) => [r.body.symbol, r.body.signal, r.body.openTime])).toEqual([
      ["BTCIRT", "BUY", new Date(now - MINUTE).toISOString()],
      ["BTCIRT", "BUY", new Date(now).toISOString()],
    ]);
    // A later candle is news again.
    expect(n.offer([liveRow({ openTime: now + MINUTE, signal: "SELL" })])).toBe(1);
  });

  test("offer never waits for a channel; a hung channel does not hold up another one", async () => {
    const hung = standIn([hang]);
    const fine = standIn([ok]);
    const n = notifier(
      [new SlackChannel(hung.url, { lang: "en" }), new WebhookChannel(fine.url, { lang: "en" })],
      {
        timeoutMs: 60_000,
      },
    );
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    // Synchronous: returns with the alert queued while the first service has not even been called yet.
    expect(n.offer([liveRow({ openTime: now })])).toBe(1);
    expect(n.offer([liveRow({ symbol: "ETHIRT", openTime: now })])).toBe(1);
    for (let i = 0; i < 100 && fine.received.length < 2; i++) await Bun.sleep(20);
    expect(fine.received.length).toBe(2);
    // The hung service got the first alert and holds it; the second waits behind it.
    expect(hung.received.length).toBe(1);
    expect(n.pending()).toEqual({ slack: 1, webhook: 0 });
    const started = Date.now();
    await n.stop(100);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("a full queue drops its oldest alert", async () => {
    const hung = standIn([hang]);
    const registry = new Registry();
    const n = notifier([new WebhookChannel(hung.url, { lang: "en" })], {
      queueLimit: 2,
      registry,
      timeoutMs: 60_000,
    });
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    for (const symbol of ["AAIRT", "BBIRT", "CCIRT", "DDIRT"]) n.offer([liveRow({ symbol, openTime: now })]);
    // AAIRT is in flight, BBIRT was dropped, CCIRT and DDIRT wait.
    expect(n.pending()).toEqual({ webhook: 2 });
    await n.stop(50);
    const metric = await registry.getSingleMetricAsString("shamdan_notify_messages_total");
    expect(metric).toContain('{channel="webhook",outcome="overflow"} 1');
    expect(metric).toContain('{channel="webhook",outcome="stopped"} 3');
  });
});

describe("secrets stay out of logs and errors", () => {
  test("bot tokens and Slack webhook paths never reach a log line", async () => {
    const lines: string[] = [];
    const logger = createLogger("debug", {}, (line) => lines.push(line));
    const failing = standIn([
      (req) => new Response(`no such bot: ${new URL(req.url).pathname}`, { status: 500 }),
    ]);
    // A closed port: a network error that knows the URL.
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const closedUrl = closed.url.href.replace(/\/$/, "");
    await closed.stop(true);
    const slackHookPath = "XyZ123HookPath";
    const n = new Notifier({
      channels: [
        telegram(failing.url),
        new BotApiChannel(
          "bale",
          { apiUrl: closedUrl, token: "987:odd_token-without-shape", chatId: "1" },
          { lang: "en" },
        ),
        new SlackChannel(`${closedUrl}/services/T0/B0/${slackHookPath}`, { lang: "en" }),
      ],
      logger,
      linkFor: () => "http://x/",
      candleMs: MINUTE,
      maxDelayMs: 120_000,
      timeoutMs: 1000,
      maxAttempts: 2,
      backoff: { baseMs: 10, maxMs: 20 },
    });
    n.offer([liveRow()]);
    await n.idle();
    const log = lines.join("\n");
    expect(lines.some((l) => l.includes("notify: alert dropped"))).toBe(true);
    // The stand-in echoed the token back in its error body: the channel scrubbed it.
    expect(log).toContain("HTTP 500");
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain("AAH-secret");
    expect(log).not.toContain("odd_token-without-shape");
    expect(log).not.toContain(slackHookPath);
  });

  test("redact removes Bot API tokens and Slack webhook paths from any text", () => {
    expect(redact(`POST https://api.telegram.org/bot${TOKEN}/sendMessage failed`)).toBe(
      "POST https://api.telegram.org/bot***/sendMessage failed",
    );
    expect(redact("https://tapi.bale.ai/bot1234:abc_DEF-9/getMe")).toBe("https://tapi.bale.ai/bot***/getMe");
    // A made-up webhook address.
    const hook = '{"url":"https://hooks.slack.com/services/T00/B00/XXXX"}'; // pragma: allowlist secret
    expect(redact(hook)).toBe('{"url":"https://hooks.slack.com/services/***"}');
    // Ordinary paths are left alone.
    expect(redact("/bottles/12 and /bot/help")).toBe("/bottles/12 and /bot/help");
  });
});

describe("Persian messages (NOTIFY_LANG=fa)", () => {
  // 2026-12-01 15:00 UTC is 18:30 in Tehran, 10 Azar (the 9th month) 1405 in the Persian calendar:
  // 1 Farvardin 1405 = 2026-03-21, six months of 31 days and Mehr and Aban of 30 make 1 Azar = 2026-11-22.
  const openTime = Date.UTC(2026, 11, 1, 15, 0);
  const alert = {
    symbol: "BTCIRT",
    signal: "BUY" as const,
    openTime,
    close: 12_345_678,
    rsi: 45.126,
    sma: null,
    ema: null,
    link: "http://127.0.0.1:3000/?symbol=BTCIRT",
  };

  test("Jalali date and Tehran time in Persian digits", () => {
    expect(formatJalaliTehran(openTime)).toBe("۱۴۰۵/۰۹/۱۰ ۱۸:۳۰");
  });

  test("the text: signal in Persian, toman with thousands separators, Jalali time, link", () => {
    expect(plainText(alert, "fa")).toBe(
      [
        "🟢 سیگنال خرید BTCIRT",
        "قیمت پایانی: ۱۲٬۳۴۵٬۶۷۸ تومان",
        "RSI: ۴۵٫۱۳",
        "زمان: ۱۴۰۵/۰۹/۱۰ ۱۸:۳۰ (به وقت تهران)",
        "نمودار: http://127.0.0.1:3000/?symbol=BTCIRT",
      ].join("\n"),
    );
    expect(slackText({ ...alert, signal: "SELL", symbol: "USDTIRT", close: 98_765.5 }, "fa")).toContain(
      "🔴 سیگنال فروش USDTIRT\nقیمت پایانی: ۹۸٬۷۶۶ تومان",
    );
    // Not a toman market: no unit, small prices keep their decimals.
    expect(plainText({ ...alert, symbol: "XRPETH", close: 0.00148272 }, "fa")).toContain(
      "قیمت پایانی: ۰٫۰۰۱۴۸۲۷۲\n",
    );
  });

  test("NOTIFY_LANG=fa reaches the channels built from the configuration", async () => {
    const tg = standIn([ok]);
    const config = loadConfig({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_CHAT_ID: "7",
      TELEGRAM_API_URL: tg.url,
      NOTIFY_LANG: "fa",
    });
    const n = notifierFromConfig(config, silentLogger);
    n?.offer([liveRow()]);
    await n?.idle();
    expect(String(tg.received[0]?.body.text)).toStartWith(
      "🟢 سیگنال خرید BTCIRT\nقیمت پایانی: ۱۲٬۳۴۵٬۶۷۸ تومان",
    );
  });
});

describe("configuration", () => {
  test("every configured channel, in a fixed order; none configured: no notifier", () => {
    const all = loadConfig({
      SLACK_WEBHOOK_URL: "http://127.0.0.1:1/s",
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_CHAT_ID: "1",
      BALE_BOT_TOKEN: "1:b",
      BALE_CHAT_ID: "2",
      WEBHOOK_URL: "http://127.0.0.1:1/w",
    });
    expect(channelsFromConfig(all).map((c) => c.name)).toEqual(["slack", "telegram", "bale", "webhook"]);
    expect(notifierFromConfig(loadConfig({}), silentLogger)).toBeUndefined();
  });

  test("a token without its chat, or a chat without its token, is a configuration error", () => {
    expect(() => channelsFromConfig(loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN }))).toThrow(
      "TELEGRAM_CHAT_ID: required",
    );
    expect(() => channelsFromConfig(loadConfig({ BALE_CHAT_ID: "1" }))).toThrow("BALE_BOT_TOKEN: required");
  });

  test("defaults: Telegram's and Bale's API addresses, English, the local chart page", () => {
    const config = loadConfig({});
    expect(config.TELEGRAM_API_URL).toBe("https://api.telegram.org");
    expect(config.BALE_API_URL).toBe("https://tapi.bale.ai");
    expect(config.NOTIFY_LANG).toBe("en");
    expect(chartLinkFor(config)("BTCIRT")).toBe("http://127.0.0.1:3000/?symbol=BTCIRT");
    expect(
      chartLinkFor({ NOTIFY_CHART_URL: "https://shamdan.example/chart?x=1", API_PORT: 1 })("ETHIRT"),
    ).toBe("https://shamdan.example/chart?x=1&symbol=ETHIRT");
  });

  test("candle lengths of the UDF resolutions", () => {
    expect(resolutionMs("1")).toBe(MINUTE);
    expect(resolutionMs("240")).toBe(240 * MINUTE);
    expect(resolutionMs("D")).toBe(1440 * MINUTE);
    expect(resolutionMs("3D")).toBe(3 * 1440 * MINUTE);
  });
});
