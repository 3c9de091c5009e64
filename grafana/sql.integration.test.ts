/**
 * Runs EVERY dashboard panel's and alert rule's SQL against the real QuestDB (PG wire), expanded the
 * way Grafana expands it (macros.ts), on a unique table holding a few hundred real candles
 * (data/candles: XRPETH and ETHBTC 1-minute candles through the indicator engine, shifted to end a
 * minute ago), created and written by the product's own QuestDbStore.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { indicatorColumns } from "@shamdan/shared/config";
import { QuestDbStore } from "@shamdan/shared/store/questdb-store";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
import { readRecording, recordedRows } from "@shamdan/shared/testing/recordings";
import postgres from "postgres";
import { alertQueries, alertRules } from "./alerts.ts";
import { marketDashboard } from "./dashboards.ts";
import { expandGrafanaSql, unexpanded } from "./macros.ts";

const ROWS_PER_SYMBOL = 200;
const SYMBOLS = ["XRPETH", "ETHBTC"] as const;
const table = uniqueName("grafana_sql");
const config = testConfig({ QUESTDB_TABLE: table, SYMBOLS: SYMBOLS.join(",") });
const cols = indicatorColumns(config);
const sql = postgres(config.QUESTDB_PG_URL, { max: 2, onnotice: () => {} });

const store = new QuestDbStore(config);

beforeAll(async () => {
  await requireInfra(config);
  // The product's own table definition and writer, with rows the engine computed from real candles.
  await store.init();
  const endMs = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const rows = SYMBOLS.flatMap((symbol) => {
    const file = `${symbol}.udf.json`;
    const last = readRecording(file)[ROWS_PER_SYMBOL - 1]?.openTime ?? 0;
    return recordedRows(file, symbol, { config, count: ROWS_PER_SYMBOL, shiftMs: endMs - last });
  });
  await store.write(rows);
  // WAL tables apply writes asynchronously: wait until every row is visible.
  await waitFor("rows visible", async () => {
    const [r] = await sql.unsafe(`SELECT count() AS n FROM ${table}`);
    return Number(r?.n) === rows.length ? true : undefined;
  });
});

afterAll(async () => {
  await sql.unsafe(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await sql.end();
  await store.close();
});

const now = new Date();
const sixHours = { from: new Date(now.getTime() - 6 * 3_600_000), to: now };

async function run(text: string) {
  expect(unexpanded(text)).toEqual([]);
  const result = await sql.unsafe(text);
  return { rows: [...result], columns: result.columns.map((c) => c.name) };
}

describe("dashboard panel SQL on QuestDB", () => {
  const dashboard = marketDashboard(config);
  const panels = (dashboard.panels ?? []).flatMap((p) =>
    "targets" in p && p.targets ? p.targets.map((t) => ({ p, t })) : [],
  );
  const expected: Record<string, string[]> = {
    "Signal now": ["time", "signal"],
    "Last close": ["time", "close"],
    [`${cols.rsi} now`]: ["time", cols.rsi],
    "Last candle age": ["age_seconds"],
    "Candles (OHLC)": ["time", "open", "high", "low", "close", "volume"],
    [`Close with ${cols.sma} and ${cols.ema}`]: ["time", "close", cols.sma, cols.ema],
    Volume: ["time", "volume"],
    "Signal over time": ["time", "signal"],
    "Signal changes": ["time", "signal", "previous", "close", cols.rsi],
  };

  test("the dashboard has the panels this test knows", () => {
    expect(panels.length).toBe(10);
  });

  for (const interval of ["1m", "1h"]) {
    for (const { p, t } of panels) {
      test(`${p.title} (interval ${interval})`, async () => {
        const text = expandGrafanaSql(String(t.rawSql), {
          ...sixHours,
          variables: { symbol: "XRPETH", __interval: interval },
        });
        const { rows, columns } = await run(text);
        expect(rows.length).toBeGreaterThan(0);
        const want =
          p.title?.startsWith(cols.rsi) && p.title.includes("thresholds")
            ? ["time", cols.rsi]
            : expected[p.title ?? ""];
        expect(columns).toEqual(want ?? []);
      });
    }
  }

  test("symbol variable query lists the symbols", async () => {
    const variable = dashboard.templating?.list?.[0];
    const { rows } = await run(String(variable?.query));
    expect(rows.map((r) => r.stock_symbol).sort()).toEqual([...SYMBOLS].sort());
  });

  test("1m candles are the stored candles, unchanged", async () => {
    const candles = panels.find(({ p }) => p.type === "candlestick");
    const text = expandGrafanaSql(String(candles?.t.rawSql), {
      ...sixHours,
      variables: { symbol: "ETHBTC", __interval: "1m" },
    });
    const { rows } = await run(text);
    expect(rows.length).toBe(ROWS_PER_SYMBOL);
  });
});

describe("alert rule SQL on QuestDB", () => {
  const queries = alertQueries(config);
  const rules = alertRules(config).groups[0]?.rules ?? [];

  test("every rule's query A is the SQL checked here", () => {
    for (const rule of rules)
      expect(rule.data[0]?.model.rawSql).toBe(queries[rule.uid as keyof typeof queries]);
  });

  for (const rule of rules) {
    test(rule.title, async () => {
      const lookback = rule.data[0]?.relativeTimeRange.from ?? 0;
      const text = expandGrafanaSql(String(rule.data[0]?.model.rawSql), {
        from: new Date(now.getTime() - lookback * 1000),
        to: now,
      });
      const { rows, columns } = await run(text);
      // time_series format: a time column, text label columns, exactly one numeric value column.
      expect(columns[0]).toBe("time");
      expect(columns).toContain("stock_symbol");
      expect(rows.length).toBeGreaterThanOrEqual(SYMBOLS.length);
      expect(new Set(rows.map((r) => r.stock_symbol))).toEqual(new Set(SYMBOLS));
      const numeric = columns.filter(
        (c) => c !== "time" && rows.every((r) => r[c] === null || typeof r[c] === "number"),
      );
      expect(numeric.length).toBe(1);
    });
  }

  test("stale-data rule sees fresh candles as fresh", async () => {
    const { rows } = await run(expandGrafanaSql(queries["shamdan-stale-data"], sixHours));
    for (const r of rows) expect(r.minutes_since_last_candle).toBeLessThan(5);
  });
});
