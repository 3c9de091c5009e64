/**
 * The committed provisioning files are exactly the generator's output, and they match Grafana's
 * published shapes: dashboards are built and typed by @grafana/grafana-foundation-sdk (tsc checks),
 * the YAML files parse and pass the valibot schemas mirroring Grafana's provisioning file formats.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Dashboard, Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";
import { loadConfig } from "@shamdan/shared/core/config";
import * as v from "valibot";
import {
  ContactPointsFileSchema,
  DashboardProvidersFileSchema,
  DatasourcesFileSchema,
  PoliciesFileSchema,
  RulesFileSchema,
} from "./alerting-schema.ts";
import { DASHBOARD_TIMEZONE, marketDashboard, overviewDashboard } from "./dashboards.ts";
import { QUESTDB_DATASOURCE } from "./datasource.ts";
import { SLACK_CONTACT_POINT, SLACK_SIGNALS_CONTACT_POINT } from "./notifications.ts";
import { PROVISIONING_DIRS, provisioningDrift, provisioningFiles } from "./provisioning.ts";

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable format syntax, not JS.
const SQLSTRING = "${symbol:sqlstring}";
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, whose shape the tests check.
type Doc = Record<string, any>;
const panelSql = (p: Panel | RowPanel) =>
  "targets" in p ? (p.targets ?? []).map((t) => String((t as unknown as { rawSql: string }).rawSql)) : [];

// The committed files use the defaults, whatever the environment running the tests says.
const config = loadConfig({});

describe("committed provisioning files", () => {
  for (const dir of PROVISIONING_DIRS) {
    test(`${dir.split("/").slice(-2).join("/")} equals the generator's output (run: bun run shamdan grafana generate)`, async () => {
      expect(await provisioningDrift(config, dir)).toEqual([]);
    });
  }
});

describe("files match Grafana's provisioning formats", () => {
  const files = provisioningFiles(config);
  const schemas: Record<string, v.GenericSchema> = {
    "datasources/questdb.yaml": DatasourcesFileSchema,
    "dashboards/dashboards.yaml": DashboardProvidersFileSchema,
    "alerting/rules.yaml": RulesFileSchema,
    "alerting/contact-points.yaml": ContactPointsFileSchema,
    "alerting/policies.yaml": PoliciesFileSchema,
  };
  for (const [path, schema] of Object.entries(schemas)) {
    test(path, () => {
      const parsed = Bun.YAML.parse(files[path] ?? "");
      const result = v.safeParse(schema, parsed);
      expect(result.issues?.map((i) => `${v.getDotPath(i)}: ${i.message}`) ?? []).toEqual([]);
    });
  }

  test("every rule's data source exists: the provisioned QuestDB or Grafana's expressions", () => {
    const rules = v.parse(RulesFileSchema, Bun.YAML.parse(files["alerting/rules.yaml"] ?? ""));
    for (const rule of rules.groups.flatMap((g) => g.rules))
      for (const q of rule.data) expect([QUESTDB_DATASOURCE.uid, "__expr__"]).toContain(q.datasourceUid);
  });

  test("the Slack webhook comes from Grafana's environment, never from git", () => {
    expect(files["alerting/contact-points.yaml"]).toContain("url: $SLACK_WEBHOOK_URL");
    expect(Object.values(files).join("")).not.toContain("hooks.slack.com");
  });

  test("contact-point settings hold no `$` but the webhook URL (Grafana env-interpolates them)", () => {
    const points = Bun.YAML.parse(files["alerting/contact-points.yaml"] ?? "") as Doc;
    for (const point of points.contactPoints)
      for (const receiver of point.receivers)
        for (const [key, value] of Object.entries(receiver.settings as Record<string, string>))
          expect({ key, dollar: value.includes("$") }).toEqual({ key, dollar: key === "url" });
  });

  test("signal changes: their own contact point without resolve messages, grouped per symbol, never repeated", () => {
    const points = (Bun.YAML.parse(files["alerting/contact-points.yaml"] ?? "") as Doc)
      .contactPoints as Doc[];
    const byName = Object.fromEntries(points.map((p) => [p.name, p.receivers[0]]));
    expect(byName[SLACK_SIGNALS_CONTACT_POINT]?.disableResolveMessage).toBe(true);
    // Health alerts do say when they are over.
    expect(byName[SLACK_CONTACT_POINT]?.disableResolveMessage).toBe(false);
    const policy = (Bun.YAML.parse(files["alerting/policies.yaml"] ?? "") as Doc).policies[0];
    expect(policy.group_by).toEqual(["alertname", "stock_symbol"]);
    const signals = (policy.routes as Doc[]).find((r) => r.receiver === SLACK_SIGNALS_CONTACT_POINT);
    expect(signals?.object_matchers).toEqual([["kind", "=", "signal"]]);
    expect(signals?.repeat_interval).toBe("1y");
    const rules = (Bun.YAML.parse(files["alerting/rules.yaml"] ?? "") as Doc).groups[0].rules as Doc[];
    expect(rules.find((r) => r.uid === "shamdan-signal-change")?.labels.kind).toBe("signal");
  });

  test("the data source reads with QuestDB's read-only user, credentials from Grafana's environment", () => {
    const ds = (Bun.YAML.parse(files["datasources/questdb.yaml"] ?? "") as Doc).datasources[0];
    expect(ds.user).toBe("$QUESTDB_READONLY_USER");
    expect(ds.secureJsonData).toEqual({ password: "$QUESTDB_READONLY_PASSWORD" });
  });

  test("the schemas reject what Grafana rejects", () => {
    const rules = Bun.YAML.parse(files["alerting/rules.yaml"] ?? "") as {
      groups: { rules: Record<string, unknown>[] }[];
    };
    const rule = rules.groups[0]?.rules[0];
    if (rule) rule.condition = "Z";
    expect(v.safeParse(RulesFileSchema, rules).success).toBe(false);
    expect(
      v.safeParse(RulesFileSchema, {
        apiVersion: 1,
        groups: [{ name: "g", folder: "f", interval: "1 min", rules: [] }],
      }).success,
    ).toBe(false);
  });
});

describe("market dashboard", () => {
  // Type-checked against @grafana/schema's Dashboard by tsc (`bun run typecheck`).
  const dashboard: Dashboard = marketDashboard(config);
  const panels = (dashboard.panels ?? []) as (Panel | RowPanel)[];
  const committed = JSON.parse(
    readFileSync(join(PROVISIONING_DIRS[0], "dashboards", "shamdan-market.json"), "utf8"),
  ) as Dashboard;

  test("the committed JSON is the typed object", () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(dashboard)));
  });

  test("has the symbol variable from stock_data", () => {
    const variable = dashboard.templating?.list?.[0];
    expect(variable?.name).toBe("symbol");
    expect(String(variable?.query)).toStartWith("SELECT DISTINCT stock_symbol FROM stock_data");
  });

  test("panels: unique ids, inside the 24-column grid, no overlap, all on the QuestDB data source", () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of panels) {
      const g = p.gridPos;
      expect(g).toBeDefined();
      if (!g) continue;
      expect(g.x + g.w).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      expect(p.datasource).toEqual(QUESTDB_DATASOURCE);
    }
  });

  test("candles with SMA_5 and EMA_10 drawn on them and volume (candles+volume mode)", () => {
    const candles = panels.find((p) => p.type === "candlestick") as Panel;
    expect(candles.options).toMatchObject({
      mode: "candles+volume",
      includeAllFields: true,
      fields: { open: "open", high: "high", low: "low", close: "close", volume: "volume" },
    });
    for (const column of ['"SMA_5"', '"EMA_10"', '"volume"']) expect(panelSql(candles)[0]).toContain(column);
  });

  test("RSI with 30/70 bands, gain/loss bars, the latest signal, the original's aggregates", () => {
    const byTitle = (start: string) => panels.find((p) => p.title?.startsWith(start)) as Panel | undefined;
    const steps = byTitle("RSI_10 (")?.fieldConfig?.defaults.thresholds?.steps.map((s) => s.value);
    expect(steps).toEqual([null, 30, 70]);
    const gainLoss = byTitle("Gain / loss");
    expect(gainLoss?.fieldConfig?.defaults.custom).toMatchObject({ drawStyle: "bars" });
    expect(gainLoss?.fieldConfig?.defaults.thresholds?.steps).toEqual([
      { color: "red", value: null },
      { color: "green", value: 0 },
    ]);
    expect(byTitle("Signal now")?.type).toBe("stat");
    const closeStats = panelSql(byTitle("Close: highest / average / lowest") as Panel)[0];
    for (const agg of ['max(close) AS "highest"', 'avg(close) AS "average"', 'min(close) AS "lowest"'])
      expect(closeStats).toContain(agg);
    expect(byTitle("SMA_5 / EMA_10 / RSI_10 over the range")?.type).toBe("stat");
  });

  test("BUY and SELL markers are annotations from the signal changes", () => {
    const list = (dashboard.annotations?.list ?? []) as Doc[];
    const markers = Object.fromEntries(list.map((a) => [a.name, a]));
    expect(markers.BUY?.iconColor).toBe("green");
    expect(markers.SELL?.iconColor).toBe("red");
    expect(markers.BUY?.target.rawSql).toContain("signal = 'BUY'");
    expect(markers.SELL?.datasource).toEqual(QUESTDB_DATASOURCE);
  });

  test("Asia/Tehran time; every query takes the symbol in the sqlstring format, never quoted by hand", () => {
    expect(dashboard.timezone).toBe(DASHBOARD_TIMEZONE);
    expect(DASHBOARD_TIMEZONE).toBe("Asia/Tehran");
    const sqls = [
      ...panels.flatMap(panelSql),
      ...((dashboard.annotations?.list ?? []) as Doc[]).map((a) => String(a.target.rawSql)),
    ];
    for (const sql of sqls) {
      expect(sql).toContain(SQLSTRING);
      expect(sql).not.toContain("'$symbol'");
    }
  });

  test("the overview: every symbol's latest signal and price, and a sparkline per symbol", () => {
    const overview = overviewDashboard(config);
    expect(overview.timezone).toBe(DASHBOARD_TIMEZONE);
    const [latest, sparklines] = (overview.panels ?? []) as Panel[];
    expect(panelSql(latest as Panel)[0]).toContain("LATEST ON local_time PARTITION BY stock_symbol");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's data-link variable, not JS.
    expect(JSON.stringify(latest?.fieldConfig?.overrides)).toContain("var-symbol=${__value.raw}");
    expect(sparklines?.options).toMatchObject({ graphMode: "area" });
    expect(panelSql(sparklines as Panel)[0]).toContain('stock_symbol AS "metric"');
  });

  test("indicator columns follow the configured periods", () => {
    const other = JSON.stringify(
      marketDashboard(loadConfig({}, { SMA_PERIOD: "7", EMA_PERIOD: "21", RSI_PERIOD: "14" })),
    );
    for (const column of ["SMA_7", "EMA_21", "RSI_14"]) expect(other).toContain(column);
    expect(other).not.toContain("SMA_5");
  });
});
