/**
 * The API against the REAL QuestDB (QuestDbStore over PG wire), loaded with recorded candles in a
 * table of its own: every aggregate (every column x avg/highest/lowest) and every summary equals the
 * value computed here in plain JS from the same rows, and the SQLite-backed app answers the same.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { QuestDbStore } from "@shamdan/shared/adapters/questdb/questdb-store";
import { silentLogger } from "@shamdan/shared/core/log";
import { at, first } from "@shamdan/shared/testing/at";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
import postgres from "postgres";
import { createApp } from "./app.ts";
import { SEED_COLUMNS as COLUMNS, SUMMARY_COLUMNS, statsOf } from "./testing/stats-of.ts";
import { postJson, type TestApp, testApp } from "./testing/test-app.ts";

const table = uniqueName("api_it");
const config = testConfig({ STORE: "questdb", QUESTDB_TABLE: table, SYMBOLS: "ETHBTC,XRPETH,BTCIRT" });
let store: QuestDbStore;
let app: ReturnType<typeof createApp>;
let sqlite: TestApp;

beforeAll(async () => {
  await requireInfra(config);
  sqlite = await testApp();
  store = new QuestDbStore(config);
  await store.init();
  await store.write(sqlite.rows.ETHBTC);
  await store.write(sqlite.rows.XRPETH);
  const expected = sqlite.rows.ETHBTC.length + sqlite.rows.XRPETH.length;
  await waitFor("rows visible in QuestDB", async () => {
    const total = (await store.symbols()).reduce((n, s) => n + s.rows, 0);
    return total === expected ? true : undefined;
  });
  app = createApp({ store, config, logger: silentLogger });
}, 120_000);

afterAll(async () => {
  await store?.close();
  const sql = postgres(config.QUESTDB_PG_URL, { max: 1, fetch_types: false, onnotice: () => {} });
  await sql.unsafe(`DROP TABLE IF EXISTS "${table}"`);
  await sql.end({ timeout: 1 });
});

const near = (actual: unknown, expected: number | null, what: string) => {
  if (expected === null) return expect({ what, actual }).toEqual({ what, actual: null });
  const tolerance = Math.max(Math.abs(expected) * 1e-9, 1e-12);
  expect({ what, ok: typeof actual === "number" && Math.abs(actual - expected) <= tolerance }).toEqual({
    what,
    ok: true,
  });
};

const WINDOWS: { symbol: "ETHBTC" | "XRPETH"; index: number; period: number }[] = [
  { symbol: "ETHBTC", index: 3000, period: 90 },
  // Spans the recording's one missing minute (2018-01-24 05:18).
  { symbol: "ETHBTC", index: 5000, period: 1440 },
  { symbol: "XRPETH", index: 3559, period: 600 },
];

describe("QuestDB-backed API", () => {
  test("every field x aggregation equals plain JS, on three windows", async () => {
    for (const { symbol, index, period } of WINDOWS) {
      const rows = sqlite.rows[symbol];
      const end = at(rows, index).openTime;
      const window = rows.filter((r) => r.openTime >= end - period * 60_000 && r.openTime <= end);
      for (const [column, field] of COLUMNS) {
        const expected = statsOf(window.map((r) => r[field] as number | null));
        for (const aggregation of ["avg", "highest", "lowest"] as const) {
          const body = { aggregation, stock_symbol: symbol, period, field: column, end: end / 1000 };
          const res = await postJson(app, "/api/aggregate/", body);
          expect(res.status).toBe(200);
          const json = (await res.json()) as Record<string, unknown>;
          near(json[aggregation], expected[aggregation], `${symbol} ${period} ${column} ${aggregation}`);
          const fromSqlite = (await (await postJson(sqlite.app, "/api/aggregate/", body)).json()) as Record<
            string,
            unknown
          >;
          near(fromSqlite[aggregation], expected[aggregation], `sqlite ${symbol} ${column} ${aggregation}`);
        }
      }
    }
  });

  test("summaries (single and multiple) equal plain JS", async () => {
    for (const { symbol, index, period } of WINDOWS) {
      const rows = sqlite.rows[symbol];
      const end = at(rows, index).openTime;
      const window = rows.filter((r) => r.openTime >= end - period * 60_000 && r.openTime <= end);
      const res = await postJson(app, "/api/summarize/", { stock_symbol: symbol, period, end: end / 1000 });
      const { summary } = (await res.json()) as { summary: Record<string, Record<string, unknown>> };
      for (const [key, field] of SUMMARY_COLUMNS) {
        const expected = statsOf(window.map((r) => r[field]));
        for (const stat of ["avg", "highest", "lowest"] as const)
          near(summary[key]?.[stat], expected[stat], `${key}.${stat}`);
      }
      near(summary.gain_loss?.highest_gain, statsOf(window.map((r) => r.gain)).highest, "highest_gain");
      near(summary.gain_loss?.highest_loss, statsOf(window.map((r) => r.loss)).highest, "highest_loss");
      const multiple = await postJson(app, "/api/summarize/multiple/", {
        stock_symbol: [symbol, "BTCIRT", "NOPE"],
        period,
        end: end / 1000,
      });
      const body = (await multiple.json()) as {
        summaries: Record<string, unknown>;
        errors: Record<string, string>;
      };
      // QuestDB sums in parallel, so two identical queries may differ in the last bits of an avg.
      const again = body.summaries[symbol] as Record<string, Record<string, number | null>>;
      for (const [key, stats] of Object.entries(summary))
        for (const [stat, value] of Object.entries(stats))
          near(again[key]?.[stat], value as number | null, `multiple ${key}.${stat}`);
      expect(Object.keys(body.errors)).toEqual(["NOPE"]);
    }
  });

  test("candles, signals, latest and symbols match the SQLite-backed app", async () => {
    const from = at(sqlite.rows.ETHBTC, 1000).openTime / 1000;
    const paths = [
      `/api/candles?symbol=ETHBTC&from=${from}&interval=15m`,
      `/api/candles?symbol=ETHBTC&from=${from}&interval=1h&limit=5`,
      `/api/candles?symbol=XRPETH&from=${first(sqlite.rows.XRPETH).openTime / 1000}&limit=100`,
      `/api/signals?symbol=ETHBTC&from=${from}&changes_only=true`,
      `/api/signals?from=${first(sqlite.rows.XRPETH).openTime / 1000}&limit=50`,
      "/api/signals/latest",
      "/api/symbols",
    ];
    for (const path of paths) {
      const [quest, lite] = await Promise.all([app.request(path), sqlite.app.request(path)]);
      expect({ path, status: quest.status }).toEqual({ path, status: 200 });
      const [q, l] = [await quest.json(), await lite.json()];
      // Volumes are sums: allow float reassociation, compare everything else exactly.
      expect(JSON.parse(JSON.stringify(q, roundVolumes))).toEqual(
        JSON.parse(JSON.stringify(l, roundVolumes)),
      );
    }
  });
});

function roundVolumes(key: string, value: unknown) {
  return key === "volume" && typeof value === "number" ? Number(value.toPrecision(12)) : value;
}
