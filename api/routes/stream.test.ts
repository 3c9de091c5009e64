import { beforeAll, describe, expect, test } from "bun:test";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { at, first, last } from "@shamdan/shared/testing/at";
import { waitFor } from "@shamdan/shared/testing/integration";
import { LiveHub } from "../live-feed.ts";
import { readEvents } from "../testing/sse-reader.ts";
import { type TestApp, testApp } from "../testing/test-app.ts";

const next = (row: IndicatorRow, minutes: number, patch: Partial<IndicatorRow> = {}): IndicatorRow => ({
  ...row,
  openTime: row.openTime + minutes * 60_000,
  ...patch,
});

describe("with a live feed", () => {
  let t: TestApp;
  const hub = new LiveHub();
  beforeAll(async () => {
    t = await testApp({}, { liveFeed: hub, stream: { heartbeatMs: 30 } });
  });

  test("sends filtered rows, a signal event before a change, heartbeats; unsubscribes on close", async () => {
    const res = await t.app.request("/api/signals/stream?symbol=ETHBTC");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const fresh = next(last(t.rows.ETHBTC), 1, { signal: "BUY", signalChanged: true });
    const events = readEvents(
      res,
      (e) => e.some((x) => x.event === "row") && e.some((x) => x.comment === "heartbeat"),
    );
    // The handler subscribed before answering, so nothing published from here on is lost.
    hub.publish(next(first(t.rows.XRPETH), 0));
    hub.publish(fresh);
    const got = await events;
    const data = got.filter((e) => e.event);
    expect(data.map((e) => e.event)).toEqual(["signal", "row"]);
    expect(first(data).id).toBeUndefined();
    expect(at(data, 1).id).toBe(`${fresh.openTime}-ETHBTC`);
    expect(JSON.parse(first(data).data ?? "")).toMatchObject({
      symbol: "ETHBTC",
      signal: "BUY",
      signal_changed: true,
    });
    expect(JSON.parse(at(data, 1).data ?? "")).toMatchObject({
      symbol: "ETHBTC",
      open_time: fresh.openTime,
      open: fresh.open,
      high: fresh.high,
      low: fresh.low,
      close: fresh.close,
      volume: fresh.volume,
      SMA_5: fresh.sma,
    });
    // The cancelled reader ends the stream, which drops its subscription.
    await waitFor("the stream to unsubscribe", () => (hub.size === 0 ? true : undefined), 5000, 5);
  });

  test("Last-Event-ID replays the stored rows after it, then continues live", async () => {
    const rows = t.rows.XRPETH;
    const from = at(rows, -4);
    const res = await t.app.request("/api/signals/stream?symbol=XRPETH", {
      headers: { "last-event-id": `${from.openTime}-XRPETH` },
    });
    const live = next(last(rows), 1);
    const events = readEvents(res, (e) => e.filter((x) => x.event === "row").length >= 4);
    hub.publish(at(rows, -2)); // older than the replay: a duplicate, dropped
    hub.publish(live);
    const ids = (await events).filter((e) => e.event === "row").map((e) => e.id);
    expect(ids).toEqual([...rows.slice(-3), live].map((r) => `${r.openTime}-XRPETH`));
  });

  test("a malformed Last-Event-ID or symbol filter is a 400", async () => {
    const bad = await t.app.request("/api/signals/stream", { headers: { "last-event-id": "x'; --" } });
    expect(bad.status).toBe(400);
    expect((await t.app.request("/api/signals/stream?symbol=%00")).status).toBe(400);
  });
});

test("without a feed the stream polls the store", async () => {
  const t = await testApp({}, { stream: { heartbeatMs: 1000, pollMs: 20 } });
  const res = await t.app.request("/api/signals/stream?symbol=ETHBTC");
  const fresh = next(last(t.rows.ETHBTC), 1);
  await t.store.write([fresh]);
  let replaced = false;
  const events = await readEvents(res, (e) => {
    const seen = e.filter((x) => x.event === "row").length;
    if (seen === 1 && !replaced) {
      replaced = true;
      // The still-forming candle re-delivered with a new close replaces the row: sent again.
      void t.store.write([{ ...fresh, close: fresh.close * 1.01, high: fresh.high * 1.01 }]);
    }
    return seen >= 2;
  });
  const rows = events.filter((e) => e.event === "row").map((e) => JSON.parse(e.data ?? ""));
  expect(rows.map((r) => r.open_time)).toEqual([fresh.openTime, fresh.openTime]);
  expect(rows[1].close).toBeCloseTo(fresh.close * 1.01, 12);
});

describe("replay and limits", () => {
  test("Last-Event-ID 0-<SYMBOL> replays every stored row in order, in pages, then continues live", async () => {
    const hub = new LiveHub();
    const t = await testApp({}, { liveFeed: hub, stream: { heartbeatMs: 1000, pageRows: 150 } });
    const stored = [...t.rows.ETHBTC, ...t.rows.XRPETH].sort(
      (a, b) => a.openTime - b.openTime || a.symbol.localeCompare(b.symbol),
    );
    const live = next(t.rows.XRPETH[t.rows.XRPETH.length - 1] as IndicatorRow, 1);
    const res = await t.app.request("/api/signals/stream", { headers: { "last-event-id": "0-ETHBTC" } });
    expect(res.status).toBe(200);
    let published = false;
    const events = await readEvents(
      res,
      (e) => {
        const rows = e.filter((x) => x.event === "row").length;
        if (rows >= stored.length && !published) {
          published = true;
          hub.publish(live);
        }
        return rows > stored.length;
      },
      30_000,
    );
    const ids = events.filter((e) => e.event === "row").map((e) => e.id);
    expect(ids.length).toBe(stored.length + 1);
    expect(ids).toEqual([...stored, live].map((r) => `${r.openTime}-${r.symbol}`));
  });

  test("past the stream cap: 503 with Retry-After and a JSON body; a closed stream frees its slot", async () => {
    const t = await testApp({}, { liveFeed: new LiveHub(), stream: { maxStreams: 2, heartbeatMs: 20 } });
    const first = await t.app.request("/api/signals/stream");
    const second = await t.app.request("/api/signals/stream?symbol=XRPETH");
    expect([first.status, second.status]).toEqual([200, 200]);
    const refused = await t.app.request("/api/signals/stream");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.json()).toEqual({
      error: "too_many_streams",
      message: "this instance already serves 2 streams; retry later",
    });
    // The cap is on streams only.
    expect((await t.app.request("/api/signals/latest")).status).toBe(200);
    await first.body?.cancel();
    const third = await waitFor(
      "a freed slot",
      async () => {
        const res = await t.app.request("/api/signals/stream");
        return res.status === 200 ? res : undefined;
      },
      5000,
      10,
    );
    expect(third.status).toBe(200);
    await second.body?.cancel();
    await third.body?.cancel();
  });

  test("a store failure in the middle of a replay ends the stream with an error event", async () => {
    const t = await testApp({}, { liveFeed: new LiveHub(), stream: { pageRows: 100 } });
    let pages = 0;
    const rows = t.store.rows.bind(t.store);
    t.store.rows = async (window, limit) => {
      pages += 1;
      if (pages > 3) throw new Error("connection reset");
      return rows(window, limit);
    };
    const res = await t.app.request("/api/signals/stream?symbol=ETHBTC", {
      headers: { "last-event-id": "0-ETHBTC" },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.match(/^event: row$/gm)?.length).toBe(300);
    expect(text.trimEnd().split("\n\n").at(-1)).toBe(
      'event: error\ndata: {"error":"store_unavailable","message":"the data store failed; reconnect"}',
    );
  });
});

test("without a feed, a replay hands over to store polling with no gap and no repeat", async () => {
  const t = await testApp({}, { stream: { heartbeatMs: 150, pollMs: 20, pageRows: 64 } });
  const rows = t.rows.XRPETH;
  const after = rows[rows.length - 300] as IndicatorRow;
  const fresh = next(rows[rows.length - 1] as IndicatorRow, 1);
  const res = await t.app.request("/api/signals/stream?symbol=XRPETH", {
    headers: { "last-event-id": `${after.openTime}-XRPETH` },
  });
  let written = false;
  const events = await readEvents(res, (e) => {
    const seen = e.filter((x) => x.event === "row").length;
    if (seen >= 299 && !written) {
      written = true;
      void t.store.write([fresh]);
    }
    // A heartbeat after the new row: the poller has run several times since, sending nothing again.
    const last = e.findLastIndex((x) => x.event === "row");
    return seen >= 300 && e.slice(last).some((x) => x.comment === "heartbeat");
  });
  const ids = events.filter((e) => e.event === "row").map((e) => e.id);
  expect(ids).toEqual([...rows.slice(-299), fresh].map((r) => `${r.openTime}-XRPETH`));
});
