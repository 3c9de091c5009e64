/**
 * Runs EVERY dashboard panel's and alert rule's SQL against the real QuestDB (PG wire), expanded the
 * way Grafana expands it (macros.ts), on a unique table holding a few hundred real candles
 * (data/candles: XRPETH and ETHBTC 1-minute candles through the indicator engine, shifted to end a
 * minute ago), created and written by the product's own QuestDbStore.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { QuestDbStore } from "@shamdan/shared/adapters/questdb/questdb-store";
import { indicatorColumns } from "@shamdan/shared/core/config";
import { requireInfra, testConfig, uniqueName, waitFor } from "@shamdan/shared/testing/integration";
import { readRecording, recordedRows } from "@shamdan/shared/testing/recordings";
import { formatChange, formatClose, formatRsi } from "@shamdan/sink/slack-notifier";
import postgres from "postgres";
import { alertQueries, alertRules, messageFieldsSql } from "./alerts.ts";
import { marketDashboard, overviewDashboard } from "./dashboards.ts";
import { expandGrafanaSql, unexpanded } from "./macros.ts";
import { SIGNAL_MESSAGE_TEMPLATE } from "./notifications.ts";

const ROWS_PER_SYMBOL = 200;
const SYMBOLS = ["XRPETH", "ETHBTC"] as const;
const table = uniqueName("grafana_sql");
const config = testConfig({ QUESTDB_TABLE: table, SYMBOLS: SYMBOLS.join(",") });
const cols = indicatorColumns(config);
const sql = postgres(config.QUESTDB_PG_URL, { max: 2, onnotice: () => {} });

const store = new QuestDbStore(config);

const written: ReturnType<typeof recordedRows> = [];

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
  written.push(...rows);
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

const rawSql = (t: unknown) => String((t as { rawSql: string }).rawSql);

describe("dashboard panel SQL on QuestDB", () => {
  const dashboard = marketDashboard(config);
  const overview = overviewDashboard(config);
  const queries = [
    ...[...(dashboard.panels ?? []), ...(overview.panels ?? [])].flatMap((p) =>
      "targets" in p && p.targets ? p.targets.map((t) => ({ title: String(p.title), sql: rawSql(t) })) : [],
    ),
    ...(dashboard.annotations?.list ?? []).map((a) => ({
      title: `annotation ${a.name}`,
      sql: rawSql(a.target),
    })),
  ];
  const expected: Record<string, string[]> = {
    "Signal now": ["time", "signal"],
    "Last close": ["time", "close"],
    [`${cols.rsi} now`]: ["time", cols.rsi],
    "Last candle age": ["age_seconds"],
    [`Candles with ${cols.sma}, ${cols.ema} and volume`]: [
      "time",
      "open",
      "high",
      "low",
      "close",
      "volume",
      cols.sma,
      cols.ema,
    ],
    [`${cols.rsi} (bands 30 / 70)`]: ["time", cols.rsi],
    "Gain / loss": ["time", "gain_loss"],
    "Close: highest / average / lowest": ["highest", "average", "lowest"],
    [`${cols.sma} / ${cols.ema} / ${cols.rsi} over the range`]: [
      `${cols.sma} average`,
      `${cols.ema} average`,
      `${cols.rsi} lowest`,
      `${cols.rsi} average`,
      `${cols.rsi} highest`,
    ],
    "Signal over time": ["time", "signal"],
    "Signal changes": ["time", "signal", "previous", "close", cols.rsi],
    Scorecard: ["after (min)", "changes", "hit rate", "mean return"],
    "annotation BUY": ["time", "text", "tags"],
    "annotation SELL": ["time", "text", "tags"],
    "Every symbol now": ["symbol", "signal", "close", cols.rsi, "time"],
    Close: ["time", "metric", "close"],
  };

  test("every query of both dashboards is one this test knows", () => {
    expect(queries.map((q) => q.title).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const interval of ["1m", "1h"]) {
    for (const { title, sql: text } of queries) {
      test(`${title} (interval ${interval})`, async () => {
        const expanded = expandGrafanaSql(text, {
          ...sixHours,
          variables: { symbol: "XRPETH", __interval: interval },
        });
        const { rows, columns } = await run(expanded);
        expect(rows.length).toBeGreaterThan(0);
        expect(columns).toEqual(expected[title] ?? []);
      });
    }
  }

  test("the Scorecard panel shows the store's scorecard (the API's numbers) for the symbol and range", async () => {
    const panel = queries.find((q) => q.title === "Scorecard");
    const { rows } = await run(
      expandGrafanaSql(panel?.sql ?? "", { ...sixHours, variables: { symbol: "XRPETH", __interval: "1m" } }),
    );
    // $__timeFilter is inclusive at both ends, the store's window half-open: one millisecond apart.
    const want = await store.scorecard({
      symbol: "XRPETH",
      from: sixHours.from.getTime(),
      to: sixHours.to.getTime() + 1,
    });
    expect(want.length).toBe(3);
    expect(rows.map((r) => [Number(r["after (min)"]), Number(r.changes)])).toEqual(
      want.map((w) => [w.horizonMinutes, w.count]),
    );
    for (const [i, w] of want.entries()) {
      expect(Number(rows[i]?.["hit rate"])).toBeCloseTo(w.hitRate ?? Number.NaN, 12);
      expect(Number(rows[i]?.["mean return"])).toBeCloseTo(w.meanReturn ?? Number.NaN, 12);
    }
  });

  test("BUY/SELL markers: one per change to that signal, text says what it was before", async () => {
    for (const a of dashboard.annotations?.list ?? []) {
      const { rows } = await run(
        expandGrafanaSql(rawSql(a.target), {
          ...sixHours,
          variables: { symbol: "XRPETH", __interval: "1m" },
        }),
      );
      for (const r of rows) {
        expect(r.tags).toBe(a.name);
        expect(String(r.text)).toStartWith(`${a.name} (was `);
      }
    }
  });

  test("the overview has one row per symbol and one sparkline series per symbol", async () => {
    const [latest, sparklines] = (overview.panels ?? []).map((p) =>
      "targets" in p ? rawSql(p.targets?.[0]) : "",
    );
    const { rows } = await run(expandGrafanaSql(latest ?? "", sixHours));
    expect(rows.map((r) => r.symbol)).toEqual([...SYMBOLS].sort());
    const series = await run(
      expandGrafanaSql(sparklines ?? "", { ...sixHours, variables: { __interval: "5m" } }),
    );
    expect(new Set(series.rows.map((r) => r.metric))).toEqual(new Set(SYMBOLS));
  });

  test("symbol variable query lists the symbols", async () => {
    const variable = dashboard.templating?.list?.[0];
    const { rows } = await run(String(variable?.query));
    expect(rows.map((r) => r.stock_symbol).sort()).toEqual([...SYMBOLS].sort());
  });

  test("1m candles are the stored candles, unchanged", async () => {
    const candles = (dashboard.panels ?? []).find((p) => p.type === "candlestick");
    const text = expandGrafanaSql(
      rawSql(candles && "targets" in candles ? candles.targets?.[0] : undefined),
      {
        ...sixHours,
        variables: { symbol: "ETHBTC", __interval: "1m" },
      },
    );
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
    expect(rules.length).toBe(Object.keys(queries).length);
  });

  for (const rule of rules) {
    test(rule.title, async () => {
      const lookback = rule.data[0]?.relativeTimeRange?.from ?? 0;
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

  test("signal-change alert says what the embedded notifier says, for the same candle", async () => {
    const { rows } = await run(
      expandGrafanaSql(queries["shamdan-signal-change"], {
        from: new Date(now.getTime() - 900_000),
        to: now,
      }),
    );
    expect(rows.length).toBe(SYMBOLS.length);
    for (const r of rows) {
      const row = written.find(
        (w) => w.symbol === r.stock_symbol && w.openTime === new Date(r.time).getTime(),
      );
      expect(row).toBeDefined();
      if (!row) continue;
      // Grafana's rule fires exactly when the notifier would announce this row.
      const notifierFires = row.signalChanged && row.signal !== "HOLD";
      expect({ symbol: row.symbol, fires: r.changed === 1 }).toEqual({
        symbol: row.symbol,
        fires: notifierFires,
      });
      // Render the contact point's template as Grafana would for this alert instance.
      const link = "https://grafana.example/d/shamdan-market?orgId=1";
      const rendered = SIGNAL_MESSAGE_TEMPLATE.replace("{{ range .Alerts.Firing }}", "")
        .replace("\n{{ end }}", "")
        .replaceAll(/\{\{ \.Labels\.([a-z_]+) \}\}/g, (_, label: string) => String(r[label]))
        .replace("{{ .DashboardURL }}", link);
      expect(rendered).toBe(formatChange(row, `${link}&var-symbol=${row.symbol}`));
    }
  });

  test("formatted fields agree with the notifier on awkward numbers", async () => {
    // Rounding edges, small prices, a missing RSI: the SQL and the notifier print the same digits.
    const cases = [0.00012345678, 0.5, 0.999999996, 1, 12.34565, 999.99996, 1000, 1234.5, 12161000001.5];
    const closeSql = messageFieldsSql(cols.rsi).close;
    for (const close of cases) {
      const [r] = await sql.unsafe(`SELECT ${closeSql} AS "close" FROM (SELECT ${close} AS close)`);
      expect({ close, text: r?.close }).toEqual({ close, text: formatClose(close) });
    }
    const rsiSql = messageFieldsSql("r").rsi;
    for (const r of [null, 0, 29.995, 45.705, 70.004, 100]) {
      const [out] = await sql.unsafe(`SELECT ${rsiSql} AS "rsi" FROM (SELECT cast(${r} AS double) AS r)`);
      expect({ r, text: out?.rsi }).toEqual({ r, text: formatRsi(r) });
    }
  });

  test("stale-data rule sees fresh candles as fresh", async () => {
    const { rows } = await run(expandGrafanaSql(queries["shamdan-stale-data"], sixHours));
    for (const r of rows) expect(r.minutes_since_last_candle).toBeLessThan(5);
  });
});
