/**
 * `bun start --demo` end to end, as a user runs it: a child process with the embedded pipeline
 * (memory bus, SQLite in a temp dir) over the recorded candles served by the local fake Nobitex. No
 * Kafka or QuestDB involved, hence not an integration test. The steps run in order on one process:
 * ready -> data -> seed endpoint -> values checked against the recording and the indicator engine ->
 * SIGTERM -> the SQLite file after a clean exit.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeSeries } from "@shamdan/indicators";
import { MemoryBus } from "@shamdan/shared/adapters/memory/memory-bus";
import { loadConfig } from "@shamdan/shared/core/config";
import { engineSettings } from "@shamdan/shared/core/engine-settings";
import { silentLogger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import type { Candle } from "@shamdan/shared/core/udf";
import { waitFor } from "@shamdan/shared/testing/integration";
import { readRecording } from "@shamdan/shared/testing/recordings";
import { startSlackAlerts } from "./start-slack.ts";

/** The demo serves each recording under its own name (start.ts). */
const RECORDINGS = ["ETCBTC", "ETHBTC", "XRPETH"];
const defaults = loadConfig({});
const SYMBOLS = RECORDINGS;

interface StoredCandle extends Candle {
  SMA_5: number | null;
  EMA_10: number | null;
  RSI_10: number | null;
  signal: string;
}

const near = (actual: number | null, expected: number | null) =>
  actual === expected ||
  (actual !== null &&
    expected !== null &&
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)));

async function freePort(): Promise<number> {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port as number;
  await probe.stop(true);
  return port;
}

describe("bun start --demo, end to end", () => {
  const dir = mkdtempSync(join(tmpdir(), "shamdan-start-"));
  const sqlitePath = join(dir, "shamdan.sqlite");
  const webhookPosts: string[] = [];
  const webhook = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (request) => {
      webhookPosts.push(await request.text());
      return new Response("ok");
    },
  });
  let child: ReturnType<typeof Bun.spawn> | undefined;
  let logs: Promise<string> = Promise.resolve("");
  let base = "";
  const rowsShown = new Map<string, number>();

  const getJson = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(`${base}${path}`, init);
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = Bun.spawn(
      [process.execPath, join(import.meta.dir, "..", "main.ts"), "start", "--demo", "--port", `${port}`],
      {
        cwd: dir,
        // A clean environment: nothing from the developer's shell changes what the demo does.
        env: {
          HOME: dir,
          SQLITE_PATH: sqlitePath,
          // No Centrifugo binary there: the demo polls (start-live-source.integration.test.ts: the stream).
          SHAMDAN_HOME: join(dir, "home"),
          POLL_CRON: "* * * * * *",
          SLACK_WEBHOOK_URL: webhook.url.href,
          LOG_LEVEL: "info",
        },
        stdout: "ignore",
        stderr: "pipe",
      },
    );
    logs = new Response(child.stderr as ReadableStream).text();
    await waitFor(
      "/readyz answers ready",
      async () => {
        const ready = await fetch(`${base}/readyz`).catch(() => undefined);
        return ready?.ok ? true : undefined;
      },
      30_000,
      100,
    );
  }, 40_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await child?.exited;
    await webhook.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });

  test("/api/symbols lists the recordings under their own names, each with rows", async () => {
    type Symbols = { symbols: { symbol: string; rows: number }[] };
    const listed = await waitFor(
      "every recording with rows",
      async () => {
        const { symbols } = await getJson<Symbols>("/api/symbols");
        return SYMBOLS.every((s) => (symbols.find((x) => x.symbol === s)?.rows ?? 0) > 0)
          ? symbols
          : undefined;
      },
      30_000,
      200,
    );
    expect(listed.map((s) => s.symbol).sort()).toEqual([...SYMBOLS].sort());
    for (const { symbol, rows } of listed) rowsShown.set(symbol, rows);
  }, 40_000);

  test("POST /api/summarize/ answers numbers for a symbol", async () => {
    const body = await getJson<{ summary: Record<string, Record<string, number | null>> }>(
      "/api/summarize/",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ stock_symbol: SYMBOLS[0], period: 120 }),
      },
    );
    for (const column of ["close", "SMA_5", "EMA_10", "RSI_10"])
      for (const stat of ["avg", "highest", "lowest"])
        expect(typeof body.summary[column]?.[stat]).toBe("number");
  });

  test("stored candles are the recording's; indicators equal computeSeries over them", async () => {
    const settings = engineSettings(defaults);
    const closes = new Set<string>();
    for (const symbol of SYMBOLS) {
      const recording = readRecording(`${symbol}.udf.json`);
      const to = new Date(Date.now() + 120_000).toISOString();
      const from = new Date(Date.now() - 3 * 24 * 3600_000).toISOString();
      const { candles } = await getJson<{ candles: (StoredCandle & { open_time: number })[] }>(
        `/api/candles?symbol=${symbol}&from=${from}&to=${to}&limit=10000`,
      );
      const stored = candles.map((c) => ({ ...c, openTime: c.open_time }));
      expect(stored.length).toBeGreaterThan(100);

      // The demo repeats each recording on the wall clock, cycle k starting at k recording lengths
      // after the epoch (fake-nobitex.ts, loop): every candle but the newest (it may still be forming)
      // is the recorded one of that place in its cycle, value for value.
      const closed = stored.slice(0, -1);
      const byTime = new Map(recording.map((c) => [c.openTime, c]));
      const base = (recording[0] as Candle).openTime;
      const length = (recording.at(-1) as Candle).openTime - base + 60_000;
      const recordedAt = (t: number) => byTime.get(base + (t % length));
      closes.add(JSON.stringify(closed.slice(-100).map((c) => c.close)));
      for (const c of closed) {
        const recorded = recordedAt(c.openTime);
        expect(recorded && { ...recorded, openTime: c.openTime }).toEqual({
          openTime: c.openTime,
          open: c.open,
          high: c.high,
          low: c.low,
          close: c.close,
          volume: c.volume,
        });
      }

      const series = computeSeries(settings, stored);
      for (const [k, { step }] of series.entries()) {
        const row = stored[k] as StoredCandle;
        if (!step.ok)
          throw new Error(`${symbol} candle ${row.openTime} rejected by the engine: ${step.detail}`);
        const ok =
          near(row.SMA_5, step.values.sma) &&
          near(row.EMA_10, step.values.ema) &&
          near(row.RSI_10, step.values.rsi) &&
          row.signal === step.signal;
        if (!ok) expect({ symbol, ...row }).toEqual({ symbol, ...row, ...step.values, signal: step.signal });
      }
    }
    // Three markets, three different series.
    expect(closes.size).toBe(SYMBOLS.length);
  });

  test("SIGTERM: a clean exit (code 0), the SQLite file holds the rows", async () => {
    const running = child as NonNullable<typeof child>;
    running.kill("SIGTERM");
    // A bound, not a speed goal: a shutdown that hangs must fail the test rather than the suite.
    const code = await Promise.race([
      running.exited,
      Bun.sleep(20_000).then(() => "still running after 20 s"),
    ]);
    const stderr = await logs;
    expect(stderr).toContain(
      `shamdan: live source: poll (no Centrifugo binary at ${join(dir, "home", "tools")}`,
    );
    expect(stderr).toContain("`bun run shamdan infra up` builds one with Go)");
    expect(stderr).toContain('"msg":"shutting down"');
    expect(code).toBe(0);
    expect(stderr).not.toContain('"level":"error"');

    const db = new Database(sqlitePath, { readonly: true });
    const counts = db
      .query<{ stock_symbol: string; n: number }, []>(
        "SELECT stock_symbol, count(*) AS n FROM stock_data GROUP BY stock_symbol ORDER BY stock_symbol",
      )
      .all();
    db.close();
    expect(counts.map((c) => c.stock_symbol)).toEqual([...SYMBOLS].sort());
    for (const { stock_symbol, n } of counts)
      expect(n).toBeGreaterThanOrEqual(rowsShown.get(stock_symbol) ?? 1);
  }, 30_000);
});

describe("embedded Slack alerts (startSlackAlerts on a MemoryBus)", () => {
  // With the demo's live clock a signal change may take many minutes, so the alerting is tested
  // directly: live changes reach the webhook, history, unchanged rows and bad messages do not.
  const row = (
    symbol: string,
    signal: IndicatorRow["signal"],
    ageMs: number,
    changed: boolean,
  ): IndicatorRow => ({
    v: 1,
    symbol,
    openTime: Math.floor((Date.now() - ageMs) / 60_000) * 60_000,
    open: 1,
    high: 2,
    low: 0.5,
    close: 1.5,
    volume: 10,
    sma: 1.4,
    ema: 1.3,
    delta: 0.1,
    gain: 0.1,
    loss: 0,
    avgGain: 0.2,
    avgLoss: 0.1,
    rs: 2,
    rsi: 66.67,
    signal,
    signalChanged: changed,
    replaced: false,
  });

  test("posts live signal changes to the webhook, and only those", async () => {
    const posts: { text: string }[] = [];
    const webhook = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (request) => {
        posts.push((await request.json()) as { text: string });
        return new Response("ok");
      },
    });
    const bus = new MemoryBus();
    const config = { OUTPUT_TOPIC: "output_topic", API_PORT: 3917 };
    const slack = await startSlackAlerts({ bus, config, logger: silentLogger, webhookUrl: webhook.url.href });
    try {
      // The group starts at the end of the topic once assigned: publish until a round lands.
      await waitFor(
        "a post at the webhook",
        async () => {
          if (posts.length > 0) return true;
          await bus.publish(config.OUTPUT_TOPIC, [
            { key: "ETHIRT", value: JSON.stringify(row("ETHIRT", "BUY", 3 * 3600_000, true)) },
            { key: "USDTIRT", value: JSON.stringify(row("USDTIRT", "SELL", 60_000, false)) },
            { key: "BTCIRT", value: "not json" },
            { key: "BTCIRT", value: JSON.stringify(row("BTCIRT", "SELL", 60_000, true)) },
          ]);
          return undefined;
        },
        10_000,
        50,
      );
      expect(posts[0]?.text).toContain("*BTCIRT* → *SELL*");
      // The link is this process's chart page, on API_PORT.
      expect(posts[0]?.text).toContain("<http://127.0.0.1:3917/?symbol=BTCIRT|chart>");
      const all = posts.map((p) => p.text).join("\n");
      expect(all).not.toContain("ETHIRT");
      expect(all).not.toContain("USDTIRT");
    } finally {
      await slack.stop();
      await bus.close();
      await webhook.stop(true);
    }
  });
});
