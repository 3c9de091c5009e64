/**
 * Runs EVERY dashboard panel's and alert rule's SQL against the real QuestDB (PG wire), expanded the
 * way Grafana expands it (macros.ts), on a unique table holding a few hundred real candles
 * (../shared/data: XRPETH and ETHBTC 1-minute candles, times shifted to end a minute ago).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { indicatorColumns } from "@shamdan/shared/config";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
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

type Udf = { t: number[]; o: number[]; h: number[]; l: number[]; c: number[]; v: number[] };
const dataDir = join(import.meta.dir, "..", "..", "shared", "data", "candles");

/** Just enough indicator arithmetic to give the columns realistic values and warm-up nulls. */
function rows(symbol: string, udf: Udf, endMs: number) {
  const n = ROWS_PER_SYMBOL;
  const close = udf.c.slice(0, n);
  const start = endMs - n * 60_000;
  const out: string[] = [];
  let ema: number | null = null;
  for (let i = 0; i < n; i++) {
    const window = close.slice(Math.max(0, i - config.SMA_PERIOD + 1), i + 1);
    const sma =
      window.length === config.SMA_PERIOD ? window.reduce((a, b) => a + b, 0) / window.length : null;
    const k = 2 / (config.EMA_PERIOD + 1);
    if (i + 1 >= config.EMA_PERIOD)
      ema =
        ema === null
          ? close.slice(0, i + 1).reduce((a, b) => a + b, 0) / (i + 1)
          : close[i] * k + ema * (1 - k);
    const changes = close
      .slice(Math.max(1, i - config.RSI_PERIOD + 1), i + 1)
      .map((c, j, arr) => c - (j === 0 ? close[Math.max(0, i - arr.length)] : arr[j - 1]));
    const gain = changes.filter((d) => d > 0).reduce((a, b) => a + b, 0) / config.RSI_PERIOD;
    const loss = -changes.filter((d) => d < 0).reduce((a, b) => a + b, 0) / config.RSI_PERIOD;
    const rsi = i >= config.RSI_PERIOD && loss > 0 ? 100 - 100 / (1 + gain / loss) : null;
    const signal =
      sma === null || ema === null || rsi === null
        ? "HOLD"
        : sma > ema && rsi < 70
          ? "BUY"
          : sma < ema && rsi > 30
            ? "SELL"
            : "HOLD";
    const num = (x: number | null) => (x === null ? "NULL" : String(x));
    const ts = new Date(start + i * 60_000).toISOString();
    out.push(
      `('${symbol}', '${signal}', '${ts}', ${udf.o[i]}, ${udf.h[i]}, ${udf.l[i]}, ${udf.c[i]}, ${udf.v[i]}, ` +
        `${num(sma)}, ${num(ema)}, ${num(rsi)})`,
    );
  }
  return out;
}

beforeAll(async () => {
  await requireInfra(config);
  await sql.unsafe(
    `CREATE TABLE ${table} (stock_symbol SYMBOL, signal SYMBOL, local_time TIMESTAMP, open DOUBLE, high DOUBLE, ` +
      `low DOUBLE, close DOUBLE, volume DOUBLE, ${cols.sma} DOUBLE, ${cols.ema} DOUBLE, delta DOUBLE, gain DOUBLE, ` +
      `loss DOUBLE, ${cols.avgGain} DOUBLE, ${cols.avgLoss} DOUBLE, rs DOUBLE, ${cols.rsi} DOUBLE) ` +
      `TIMESTAMP(local_time) PARTITION BY DAY WAL DEDUP UPSERT KEYS(local_time, stock_symbol)`,
  );
  const endMs = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const values = SYMBOLS.flatMap((s) =>
    rows(s, JSON.parse(readFileSync(join(dataDir, `${s}.udf.json`), "utf8")), endMs),
  );
  await sql.unsafe(
    `INSERT INTO ${table} (stock_symbol, signal, local_time, open, high, low, close, volume, ${cols.sma}, ${cols.ema}, ${cols.rsi}) VALUES ${values.join(", ")}`,
  );
  // WAL tables apply inserts asynchronously: wait until every row is visible.
  await waitFor("rows visible", async () => {
    const [r] = await sql.unsafe(`SELECT count() AS n FROM ${table}`);
    return Number(r?.n) === values.length ? true : undefined;
  });
});

afterAll(async () => {
  await sql.unsafe(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await sql.end();
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
