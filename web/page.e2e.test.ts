/**
 * The chart page in a real browser: `bun start --demo` as a child process (own port, SQLite in a temp
 * dir) and Debian's Chromium driven by playwright-core. The page's state is read from its read-only
 * `window.__shamdan` snapshot (series lengths as the chart library holds them, the last bar, markers)
 * and compared with what the API answers. Screenshots at desktop and phone size go to a temp dir, or
 * to docs/screenshots/ with UPDATE_SCREENSHOTS=1 (the README shows those).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeLoopbackPort } from "@shamdan/shared/core/port-answers";
import { waitFor } from "@shamdan/shared/testing/integration";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = join(import.meta.dir, "..");

interface Snapshot {
  loaded: boolean;
  symbol: string;
  interval: string;
  series: Record<"candles" | "sma" | "ema" | "volume" | "rsi" | "gainLoss", number>;
  lastBar: Bar | null;
  tail: Bar[];
  markers: number;
  markerTimes: { openTime: number; signal: string }[];
  tableRows: number;
  streamOpen: boolean;
  liveRows: number;
  firstChartMs: number | null;
  banner: string | null;
  names: { sma: string; ema: string; rsi: string };
  visibleClose: { high: string; avg: string; low: string };
}

interface Bar {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  signal: string;
}

interface ApiCandle {
  open_time: number;
  close: number;
  signal: string;
  [key: string]: number | string | null;
}

describe.skipIf(!existsSync(CHROMIUM))("the chart page in headless Chromium", () => {
  const dir = mkdtempSync(join(tmpdir(), "shamdan-page-"));
  const shots = process.env.UPDATE_SCREENSHOTS ? join(ROOT, "docs", "screenshots") : join(dir, "shots");
  let child: ReturnType<typeof Bun.spawn> | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  /** The demo's API (the test's own reads) and the proxy in front of it (the browser's). */
  let api = "";
  let base = "";
  let proxy: ReturnType<typeof Bun.serve> | undefined;
  let cut = false;
  /** True while the test itself reloads the page: Chromium aborts whatever the old page had in flight. */
  let reloading = false;
  /** Cuts each live stream passing through the proxy. */
  const streams = new Set<() => void>();
  const problems: string[] = [];

  const getJson = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${api}${path}`);
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const state = () => page.evaluate("window.__shamdan") as Promise<Snapshot>;
  /** Waits in the page until `predicate` (a JS expression over `s`, the snapshot) holds. */
  const until = (predicate: string, timeout = 15_000) =>
    page.waitForFunction(`(() => { const s = window.__shamdan; return s && (${predicate}); })()`, null, {
      timeout,
      polling: 100,
    });
  /** The candles the page asked for: the same window as its own request (web/src/model.ts windowMs). */
  const candlesOf = async (symbol: string, interval: string, windowMs: number) => {
    const from = new Date(Date.now() - windowMs).toISOString();
    const to = new Date(Date.now() + 10 * 60_000).toISOString();
    const answer = await getJson<{ candles: ApiCandle[] }>(
      `/api/candles?symbol=${symbol}&interval=${interval}&from=${from}&to=${to}&limit=10000`,
    );
    return answer.candles;
  };

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    const port = await freeLoopbackPort();
    api = `http://127.0.0.1:${port}`;
    child = Bun.spawn(
      [process.execPath, join(ROOT, "cli", "main.ts"), "start", "--demo", "--port", `${port}`],
      {
        cwd: dir,
        // A clean environment: nothing from the developer's shell changes what the demo does. Polling
        // every second (an ordinary setting) lets the forming candle move within seconds.
        env: {
          HOME: dir,
          PATH: process.env.PATH ?? "",
          SQLITE_PATH: join(dir, "shamdan.sqlite"),
          POLL_CRON: "* * * * * *",
          LOG_LEVEL: "error",
        },
        stdout: "ignore",
        stderr: "inherit",
      },
    );
    await waitFor(
      "every symbol of the demo has candles",
      async () => {
        const ready = await fetch(`${api}/readyz`).catch(() => undefined);
        if (!ready?.ok) return undefined;
        const { symbols } = await getJson<{ symbols: { rows: number }[] }>("/api/symbols");
        return symbols.length > 1 && symbols.every((s) => s.rows > 0) ? true : undefined;
      },
      30_000,
      200,
    );
    // The browser reaches the API through a pass-through proxy that can cut the live streams, as a
    // restarting server or a flaky network would.
    proxy = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      idleTimeout: 0,
      fetch: async (request) => {
        const url = new URL(request.url);
        const target = `${api}${url.pathname}${url.search}`;
        const isStream = url.pathname === "/api/signals/stream";
        if (isStream && cut) return new Response("cut by the test", { status: 503 });
        const response = await fetch(target, {
          method: request.method,
          headers: request.headers,
          body:
            request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer(),
          decompress: false,
        });
        if (!isStream || !response.body)
          return new Response(response.body, { status: response.status, headers: response.headers });
        // A cut ends the browser's response where it is, as a server going away would.
        const upstream = response.body.getReader();
        let cutThis = () => {};
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            cutThis = () => {
              upstream.cancel().catch(() => {});
              controller.close();
            };
            streams.add(cutThis);
          },
          async pull(controller) {
            const chunk = await upstream.read().catch(() => ({ done: true as const, value: undefined }));
            if (chunk.done) {
              streams.delete(cutThis);
              controller.close();
            } else controller.enqueue(chunk.value);
          },
          cancel() {
            streams.delete(cutThis);
            upstream.cancel().catch(() => {});
          },
        });
        return new Response(body, { status: response.status, headers: response.headers });
      },
    });
    base = `http://127.0.0.1:${proxy.port}`;
    browser = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 800 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning")
        problems.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("requestfailed", (request) => {
      // The SSE stream is cut when the page closes, and the test's own reload aborts the old page's
      // requests; anything else failing is a defect.
      const abortedByReload = reloading && request.failure()?.errorText === "net::ERR_ABORTED";
      if (!request.url().includes("/api/signals/stream") && !abortedByReload)
        problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
    });
    // The page may only talk to its own API: no CDN, no internet.
    await page.route("**/*", (route) =>
      route.request().url().startsWith(base) ? route.continue() : route.abort(),
    );
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.stop(true);
    if (child && child.exitCode === null) child.kill("SIGTERM");
    await child?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  test("the first symbol's recorded candles, indicators and volume are drawn", async () => {
    const started = performance.now();
    await page.goto(`${base}/`);
    await until("s.loaded && s.series.candles > 0 && s.firstChartMs !== null");
    const loadMs = Math.round(performance.now() - started);
    const s = await state();
    const { symbols } = await getJson<{ symbols: { symbol: string }[] }>("/api/symbols");
    expect(s.symbol).toBe(symbols[0]?.symbol as string);
    expect(s.interval).toBe("1m");

    const api = await candlesOf(s.symbol, "1m", 86_400_000);
    // A new candle may land between the page's read and this one: at most one apart.
    expect(Math.abs(s.series.candles - api.length)).toBeLessThanOrEqual(1);
    expect(s.series.candles).toBeGreaterThan(100);
    expect(s.series.volume).toBe(s.series.candles);
    expect(s.series.gainLoss).toBe(s.series.candles - 1);
    const withValue = (key: string) => api.filter((c) => typeof c[key] === "number").length;
    for (const [series, key] of [
      ["sma", s.names.sma],
      ["ema", s.names.ema],
      ["rsi", s.names.rsi],
    ] as const) {
      expect(s.series[series]).toBeGreaterThan(0);
      expect(Math.abs(s.series[series] - withValue(key))).toBeLessThanOrEqual(1);
    }
    const sameBar = api.find((c) => c.open_time === s.lastBar?.openTime);
    expect(sameBar).toBeDefined();
    // The canvases hold pixels of the chart, not a blank area.
    const painted = (await page.evaluate(`(() => {
      const canvas = [...document.querySelectorAll("#chart canvas")].sort((a, b) => b.width * b.height - a.width * a.height)[0];
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      const colors = new Set();
      for (let i = 0; i < data.length; i += 4 * 97) colors.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      return colors.size;
    })()`)) as number;
    expect(painted).toBeGreaterThan(5);
    expect(s.visibleClose.high).not.toBe("–");
    expect(s.visibleClose.low).not.toBe("–");
    // Again with the bundle built and cached (the first request above built it).
    reloading = true;
    await page.reload();
    reloading = false;
    await until("s.loaded && s.firstChartMs !== null");
    const warm = await state();
    expect(warm.series.candles).toBeGreaterThanOrEqual(s.series.candles);
    console.log(
      `time to first chart: ${s.firstChartMs} ms on the first visit (page built on that request; ` +
        `${loadMs} ms from goto), ${warm.firstChartMs} ms on a reload`,
    );
  }, 30_000);

  test("the table lists every symbol with its latest signal", async () => {
    const { symbols } = await getJson<{ symbols: unknown[] }>("/api/symbols");
    await until(`s.tableRows === ${symbols.length}`);
    // Signals change live; the page and the API agree once both have seen the same rows.
    await waitFor(
      "the table shows the API's latest signals",
      async () => {
        const latest = await getJson<{ signals: { symbol: string; signal: string }[] }>(
          "/api/signals/latest",
        );
        const rows = (await page.$$eval("#signals-body tr", (trs) =>
          trs.map((tr) => [...tr.children].map((td) => td.textContent?.trim() ?? "")),
        )) as string[][];
        const agree = latest.signals.every(({ symbol, signal }) => {
          const row = rows.find((r) => r[0] === symbol);
          return row?.[1] === signal && /\d/.test(row[2] ?? "");
        });
        return agree && latest.signals.length === symbols.length ? true : undefined;
      },
      10_000,
      250,
    );
  });

  test("the scorecard shows the selected symbol's horizons as the API computes them", async () => {
    const s = await state();
    // The page refreshes every minute and a new candle can add a measured change: compare until both
    // have seen the same rows.
    await waitFor(
      "the scorecard table equal to /api/scorecard",
      async () => {
        const answer = await getJson<{
          scorecard: { symbol: string; horizon_minutes: number; count: number }[];
        }>(`/api/scorecard?symbol=${s.symbol}`);
        const rows = (await page.$$eval("#scorecard-body tr", (trs) =>
          trs.map((tr) => [...tr.children].map((td) => td.textContent?.trim() ?? "")),
        )) as string[][];
        const counts = [5, 15, 60].map((h) =>
          String(answer.scorecard.find((r) => r.symbol === s.symbol && r.horizon_minutes === h)?.count ?? 0),
        );
        return rows.map((r) => r[0]).join() === "5 min,15 min,1 h" &&
          rows.map((r) => r[1]).join() === counts.join()
          ? true
          : undefined;
      },
      70_000,
      500,
    );
  }, 90_000);

  test("BUY and SELL markers sit exactly at the signal changes the API reports", async () => {
    const s = await state();
    const last = s.lastBar?.openTime as number;
    const first = (await candlesOf(s.symbol, "1m", 86_400_000))[0] as ApiCandle;
    const changes = await getJson<{ signals: { open_time: number; signal: string }[] }>(
      `/api/signals?symbol=${s.symbol}&changes_only=true&limit=10000` +
        `&from=${new Date(first.open_time + 1).toISOString()}&to=${new Date(last).toISOString()}`,
    );
    // Closed candles only (the forming one may flip between the two reads); HOLD gets no marker.
    const expected = changes.signals
      .filter((c) => c.signal !== "HOLD")
      .map((c) => `${c.open_time} ${c.signal}`);
    const drawn = s.markerTimes.filter((m) => m.openTime < last).map((m) => `${m.openTime} ${m.signal}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(drawn).toEqual(expected);
    expect(s.markers).toBe(s.markerTimes.length);
  });

  test("screenshots at desktop and phone size", async () => {
    await page.screenshot({ path: join(shots, "chart-desktop.png") });
    await page.setViewportSize({ width: 390, height: 844 });
    await until("s.loaded");
    await page.waitForTimeout(300);
    // The phone layout fits its width: nothing scrolls sideways but the table's own box.
    const overflow = (await page.evaluate("document.documentElement.scrollWidth")) as number;
    expect(overflow).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(shots, "chart-phone.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    for (const name of ["chart-desktop.png", "chart-phone.png"])
      expect(existsSync(join(shots, name))).toBe(true);
  });

  test("switching symbol (picker) and interval (keyboard) loads their candles", async () => {
    const { symbols } = await getJson<{ symbols: { symbol: string }[] }>("/api/symbols");
    const other = symbols[symbols.length - 1]?.symbol as string;
    await page.selectOption("#symbol", other);
    await until(`s.symbol === ${JSON.stringify(other)} && s.loaded && s.lastBar !== null`);
    await until(`!document.querySelector("#chart").getAttribute("aria-busy").includes("true")`);
    let s = await state();
    expect(
      Math.abs(s.series.candles - (await candlesOf(other, "1m", 86_400_000)).length),
    ).toBeLessThanOrEqual(1);
    expect(page.url()).toContain(`symbol=${other}`);

    await page.focus('#intervals button[data-interval="5m"]');
    await page.keyboard.press("Enter");
    await until(
      `s.interval === "5m" && document.querySelector("#chart").getAttribute("aria-busy") === "false"`,
    );
    s = await state();
    const fiveMinute = await candlesOf(other, "5m", 5 * 86_400_000);
    expect(Math.abs(s.series.candles - fiveMinute.length)).toBeLessThanOrEqual(1);
    expect(s.series.candles).toBeLessThan((await candlesOf(other, "1m", 86_400_000)).length);
    // Five-minute bars start on five-minute boundaries.
    expect((s.lastBar?.openTime ?? 1) % 300_000).toBe(0);

    await page.focus('#intervals button[data-interval="1m"]');
    await page.keyboard.press("Enter");
    await until(
      `s.interval === "1m" && document.querySelector("#chart").getAttribute("aria-busy") === "false"`,
    );
  }, 30_000);

  test("live: a new candle appends, then moves while it forms, without a reload", async () => {
    // ETHBTC trades every minute of its recording; XRPETH (picked by the test before) has minutes
    // without a trade, whose forming candle never moves: watching one would fail on the wall clock.
    await page.selectOption("#symbol", "ETHBTC");
    await until(
      `s.symbol === "ETHBTC" && s.loaded && s.lastBar !== null && document.querySelector("#chart").getAttribute("aria-busy") === "false"`,
    );
    await page.evaluate("window.__notReloaded = true");
    const before = await state();
    const last = before.lastBar as Bar;
    await until(`s.liveRows > ${before.liveRows} && s.streamOpen`, 20_000);
    // The demo opens a new candle every minute and reveals it in steps while it forms.
    await until(`s.lastBar.openTime > ${last.openTime}`, 90_000);
    const appended = await state();
    const fresh = appended.lastBar as Bar;
    expect(fresh.openTime).toBe(last.openTime + 60_000);
    expect(appended.series.candles).toBe(before.series.candles + 1);
    await until(
      `s.lastBar.openTime === ${fresh.openTime} && (s.lastBar.volume !== ${fresh.volume} || s.lastBar.close !== ${fresh.close})`,
      30_000,
    );
    expect(await page.evaluate("window.__notReloaded")).toBe(true);
    // The candle that closed is drawn with the values the API stored for it.
    const stored = (await candlesOf(appended.symbol, "1m", 86_400_000)).find(
      (c) => c.open_time === last.openTime,
    );
    const drawn = (await state()).tail.find((b) => b.openTime === last.openTime);
    expect(drawn).toMatchObject({ close: stored?.close, volume: stored?.volume });
    expect((await state()).banner).toBeNull();
    // Markers drawn from live rows agree with the stored changes too, the new closed candle included.
    const now = await state();
    const changes = await getJson<{ signals: { open_time: number; signal: string }[] }>(
      `/api/signals?symbol=${now.symbol}&changes_only=true&limit=10000` +
        `&from=${new Date(last.openTime - 30 * 60_000).toISOString()}&to=${new Date(fresh.openTime).toISOString()}`,
    );
    const expectedMarkers = changes.signals
      .filter((c) => c.signal !== "HOLD")
      .map((c) => `${c.open_time} ${c.signal}`);
    const drawnMarkers = now.markerTimes
      .filter((m) => m.openTime >= last.openTime - 30 * 60_000 && m.openTime < fresh.openTime)
      .map((m) => `${m.openTime} ${m.signal}`);
    expect(drawnMarkers).toEqual(expectedMarkers);
  }, 150_000);

  test("no console errors, failed requests or page errors", async () => {
    expect(problems).toEqual([]);
  });

  // Last: the cut streams make the browser log failed requests.
  test("a dropped stream shows a banner with the reason; it clears when the stream is back", async () => {
    await until("s.streamOpen && s.banner === null");
    const before = (await state()).liveRows;
    cut = true;
    for (const cutStream of streams) cutStream();
    streams.clear();
    await until("!s.streamOpen && s.banner !== null", 15_000);
    expect((await state()).banner).toContain("Live updates interrupted");
    expect(await page.isVisible("#banner")).toBe(true);
    // EventSource retries by itself; the proxy refuses it (503), after which EventSource gives up and
    // the page's own backoff takes over, saying so.
    await until('s.banner.includes("refused")', 15_000);
    cut = false;
    await until("s.streamOpen && s.banner === null", 30_000);
    expect(await page.isVisible("#banner")).toBe(false);
    await until(`s.liveRows > ${before}`, 40_000);
  }, 60_000);
});
