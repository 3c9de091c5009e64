import { beforeAll, describe, expect, test } from "bun:test";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { at } from "@shamdan/shared/testing/at";
import { SEED_COLUMNS as COLUMNS, SUMMARY_COLUMNS, statsOf } from "../testing/stats-of.ts";
import { postJson, type TestApp, testApp } from "../testing/test-app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});

/** The documented window: end - N min <= local_time <= end. */
const inWindow = (rows: IndicatorRow[], endMs: number, period: number) =>
  rows.filter((r) => r.openTime >= endMs - period * 60_000 && r.openTime <= endMs);

type Stats = Record<"avg" | "highest" | "lowest", number | null>;

/** A missing value (undefined) fails both branches: toBeNull and toBeCloseTo are strict. */
const close = (actual: number | null | undefined, expected: number | null) => {
  if (expected === null) expect(actual).toBeNull();
  else expect(actual).toBeCloseTo(expected, Math.max(0, 10 - Math.ceil(Math.log10(Math.abs(expected) + 1))));
};

describe("POST /api/aggregate/", () => {
  test("every field and aggregation equals the plain-JS value over the window", async () => {
    const rows = t.rows.ETHBTC;
    const end = at(rows, 2000).openTime;
    const window = inWindow(rows, end, 90);
    expect(window.length).toBe(91); // both ends inclusive, no gap here
    for (const [column, field] of COLUMNS) {
      const expected = statsOf(window.map((r) => r[field] as number | null));
      for (const aggregation of ["avg", "highest", "lowest"] as const) {
        const res = await postJson(t.app, "/api/aggregate/", {
          aggregation,
          stock_symbol: "ETHBTC",
          period: 90,
          field: column,
          end: end / 1000,
        });
        expect(res.status).toBe(200);
        const body = (await res.json()) as Partial<Stats> & { field: string; stock_symbol: string };
        expect(Object.keys(body).sort()).toEqual([aggregation, "field", "stock_symbol"].sort());
        expect(body.field).toBe(column);
        expect(body.stock_symbol).toBe("ETHBTC");
        close(body[aggregation], expected[aggregation]);
      }
    }
  });

  test("end accepts ISO-8601 and a lowercase symbol; an empty window is null", async () => {
    const rows = t.rows.XRPETH;
    const end = at(rows, 100).openTime;
    const res = await postJson(t.app, "/api/aggregate/", {
      aggregation: "highest",
      stock_symbol: "xrpeth",
      period: "10",
      field: "close",
      end: new Date(end).toISOString(),
    });
    expect(await res.json()).toEqual({
      highest: statsOf(inWindow(rows, end, 10).map((r) => r.close)).highest,
      field: "close",
      stock_symbol: "XRPETH",
    });
    const empty = await postJson(t.app, "/api/aggregate/", {
      aggregation: "avg",
      stock_symbol: "BTCIRT",
      period: 5,
      field: "RSI_10",
    });
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({ avg: null, field: "RSI_10", stock_symbol: "BTCIRT" });
  });

  test("bad input is a 400 naming every bad field", async () => {
    const res = await postJson(t.app, "/api/aggregate/", {
      aggregation: "median",
      stock_symbol: "BTC'; DROP TABLE stock_data; --",
      period: 0,
      field: "password",
      extra: 1,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; issues: { field: string; message: string }[] };
    expect(body.error).toBe("invalid_request");
    expect(body.issues.map((i) => i.field).sort()).toEqual(
      ["aggregation", "extra", "field", "period", "stock_symbol"].sort(),
    );
    expect(body.issues.find((i) => i.field === "extra")?.message).toBe("unknown field");
  });

  test("period above API_MAX_PERIOD_MINUTES, fractions and unknown symbols are refused", async () => {
    const base = { aggregation: "avg", stock_symbol: "ETHBTC", field: "close" };
    for (const period of [525_601, 1.5, -1, "abc", null, 1e308]) {
      const res = await postJson(t.app, "/api/aggregate/", { ...base, period });
      expect(res.status).toBe(400);
    }
    const unknown = await postJson(t.app, "/api/aggregate/", { ...base, period: 5, stock_symbol: "DOGEIRT" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: "unknown_symbol" });
  });

  test("malformed JSON is 400, a non-JSON body 415, a huge body 413, all JSON", async () => {
    const malformed = await postJson(t.app, "/api/aggregate/", "{not json");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: "invalid_request" });
    const form = await t.app.request("/api/aggregate/", { method: "POST", body: "period=5" });
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ error: "unsupported_media_type" });
    const huge = await postJson(t.app, "/api/summarize/", {
      stock_symbol: "ETHBTC",
      period: 5,
      pad: "x".repeat(70_000),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: "payload_too_large" });
  });
});

describe("POST /api/summarize/", () => {
  test("the original system's shape, values computed independently", async () => {
    const rows = t.rows.ETHBTC;
    const end = at(rows, 5000).openTime;
    const res = await postJson(t.app, "/api/summarize/", {
      stock_symbol: "ETHBTC",
      period: 240,
      end: end / 1000,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      stock_symbol: string;
      period: number;
      summary: Record<"close" | "SMA_5" | "EMA_10" | "RSI_10", Stats> & {
        gain_loss: Record<"highest_gain" | "highest_loss", number | null>;
      };
    };
    expect(body.stock_symbol).toBe("ETHBTC");
    expect(body.period).toBe(240);
    expect(Object.keys(body.summary).sort()).toEqual(["EMA_10", "RSI_10", "SMA_5", "close", "gain_loss"]);
    const window = inWindow(rows, end, 240);
    for (const [key, field] of SUMMARY_COLUMNS) {
      const expected = statsOf(window.map((r) => r[field]));
      expect(Object.keys(body.summary[key]).sort()).toEqual(["avg", "highest", "lowest"]);
      close(body.summary[key].avg, expected.avg);
      close(body.summary[key].highest, expected.highest);
      close(body.summary[key].lowest, expected.lowest);
    }
    close(body.summary.gain_loss.highest_gain, statsOf(window.map((r) => r.gain)).highest);
    close(body.summary.gain_loss.highest_loss, statsOf(window.map((r) => r.loss)).highest);
  });

  test("an empty window gives nulls", async () => {
    const res = await postJson(t.app, "/api/summarize/", {
      stock_symbol: "ETHBTC",
      period: 5,
      end: "2001-01-01",
    });
    const body = (await res.json()) as { summary: unknown };
    const nulls = { avg: null, highest: null, lowest: null };
    expect(body.summary).toEqual({
      close: nulls,
      SMA_5: nulls,
      EMA_10: nulls,
      RSI_10: nulls,
      gain_loss: { highest_gain: null, highest_loss: null },
    });
  });
});

describe("POST /api/summarize/multiple/", () => {
  test("summaries per symbol; an unknown symbol goes to errors without failing the others", async () => {
    const end = at(t.rows.XRPETH, 3000).openTime;
    const res = await postJson(t.app, "/api/summarize/multiple/", {
      stock_symbol: ["XRPETH", "NOPE", "BTCIRT"],
      period: 60,
      end: end / 1000,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      period: number;
      summaries: Record<"XRPETH" | "BTCIRT", { close: { avg: number | null } }>;
      errors: Record<string, string>;
    };
    expect(body.period).toBe(60);
    expect(Object.keys(body.summaries).sort()).toEqual(["BTCIRT", "XRPETH"]);
    expect(body.errors).toEqual({ NOPE: "unknown symbol NOPE" });
    close(body.summaries.XRPETH.close.avg, statsOf(inWindow(t.rows.XRPETH, end, 60).map((r) => r.close)).avg);
    expect(body.summaries.BTCIRT.close.avg).toBeNull();
  });

  test("too many symbols, an empty list or a non-list is a 400", async () => {
    const many = Array.from({ length: 51 }, (_, i) => `S${i}X`);
    for (const stock_symbol of [many, [], "ETHBTC", [1, 2]]) {
      const res = await postJson(t.app, "/api/summarize/multiple/", { stock_symbol, period: 5 });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "invalid_request" });
    }
  });
});
