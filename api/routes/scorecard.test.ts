/**
 * GET /api/scorecard over the recordings in SQLite, against a computation in this test: for each change
 * to BUY or SELL, the close of its symbol's candle 5, 15 and 60 minutes later, looked up by time.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { first, last } from "@shamdan/shared/testing/at";
import { type TestApp, testApp } from "../testing/test-app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});

const MIN = 60_000;

function expected(rows: readonly IndicatorRow[], from: number, to: number) {
  const close = new Map(rows.map((r) => [`${r.symbol}@${r.openTime}`, r.close]));
  const out: Array<{ symbol: string; horizon_minutes: number; count: number; hits: number; sum: number }> =
    [];
  for (const horizon of [5, 15, 60]) {
    const bySymbol = new Map<
      string,
      { symbol: string; horizon_minutes: number; count: number; hits: number; sum: number }
    >();
    for (const r of rows) {
      if (!r.signalChanged || r.signal === "HOLD" || r.openTime < from || r.openTime >= to) continue;
      const later = close.get(`${r.symbol}@${r.openTime + horizon * MIN}`);
      if (later === undefined) continue;
      const g = bySymbol.get(r.symbol) ?? {
        symbol: r.symbol,
        horizon_minutes: horizon,
        count: 0,
        hits: 0,
        sum: 0,
      };
      g.count++;
      const up = later > r.close;
      const down = later < r.close;
      if ((r.signal === "BUY" && up) || (r.signal === "SELL" && down)) g.hits++;
      g.sum += r.signal === "BUY" ? later / r.close - 1 : 1 - later / r.close;
      bySymbol.set(r.symbol, g);
    }
    out.push(...bySymbol.values());
  }
  return out.sort((a, b) => a.symbol.localeCompare(b.symbol) || a.horizon_minutes - b.horizon_minutes);
}

const get = async (path: string) => {
  const res = await t.app.request(path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("GET /api/scorecard", () => {
  test("per symbol and horizon: count, hits, hit rate, mean forward return; equal to the lookup computation", async () => {
    const all = [...t.rows.ETHBTC, ...t.rows.XRPETH];
    // All symbols over XRPETH's span (whatever of ETHBTC's lies in it counts too).
    const from = first(t.rows.XRPETH).openTime;
    const to = last(t.rows.XRPETH).openTime + MIN;
    const { status, body } = await get(`/api/scorecard?from=${from / 1000}&to=${to / 1000}`);
    expect(status).toBe(200);
    expect(body.horizons_minutes).toEqual([5, 15, 60]);
    expect(body.from).toBe(new Date(from).toISOString());
    const got = body.scorecard as Array<Record<string, number | string | null>>;
    const want = expected(all, from, to);
    expect(want.length).toBeGreaterThanOrEqual(3);
    expect(got.map((r) => [r.symbol, r.horizon_minutes, r.count, r.hits])).toEqual(
      want.map((r) => [r.symbol, r.horizon_minutes, r.count, r.hits]),
    );
    for (const [i, w] of want.entries()) {
      expect(got[i]?.hit_rate).toBeCloseTo(w.hits / w.count, 12);
      expect(got[i]?.mean_return).toBeCloseTo(w.sum / w.count, 12);
    }
  });

  test("symbol narrows it; a later window counts only its own changes", async () => {
    const rows = t.rows.XRPETH;
    const from = (rows[1000]?.openTime ?? 0) / 1000;
    const to = (rows[1500]?.openTime ?? 0) / 1000;
    const { status, body } = await get(`/api/scorecard?symbol=xrpeth&from=${from}&to=${to}`);
    expect(status).toBe(200);
    const got = body.scorecard as Array<Record<string, number | string | null>>;
    expect(got.map((r) => [r.symbol, r.horizon_minutes, r.count, r.hits])).toEqual(
      expected(rows, from * 1000, to * 1000).map((r) => [r.symbol, r.horizon_minutes, r.count, r.hits]),
    );
  });

  test("bad input: 400 naming the field; an unknown symbol: 404; documented in the OpenAPI", async () => {
    expect((await get("/api/scorecard?from=yesterday")).status).toBe(400);
    expect((await get("/api/scorecard?nope=1")).status).toBe(400);
    expect((await get("/api/scorecard?from=1700000600&to=1700000000")).status).toBe(400);
    expect((await get("/api/scorecard?symbol=NOSUCH")).status).toBe(404);
    const openapi = (await get("/openapi.json")).body as {
      paths: Record<string, { get?: { parameters?: { name: string }[] } }>;
    };
    expect(openapi.paths["/api/scorecard"]?.get?.parameters?.map((p) => p.name).sort()).toEqual([
      "from",
      "symbol",
      "to",
    ]);
  });
});
