/**
 * The committed provisioning files are exactly the generator's output, and they match Grafana's
 * published shapes: the dashboard is typed as `Dashboard` from @grafana/schema (tsc checks this file),
 * the YAML files parse and pass the valibot schemas mirroring Grafana's provisioning formats.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Dashboard, Panel, RowPanel } from "@grafana/schema";
import { loadConfig } from "@shamdan/shared/config";
import * as v from "valibot";
import {
  ContactPointsFileSchema,
  DashboardProvidersFileSchema,
  DatasourcesFileSchema,
  PoliciesFileSchema,
  RulesFileSchema,
} from "./alerting-schema.ts";
import { marketDashboard } from "./dashboards.ts";
import { QUESTDB_DATASOURCE } from "./datasource.ts";
import { PROVISIONING_DIRS, provisioningDrift, provisioningFiles } from "./provisioning.ts";

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

  test("has candlestick, SMA/EMA overlay, RSI with 30/70, signals and volume panels", () => {
    const types = panels.map((p) => p.type);
    for (const t of ["candlestick", "timeseries", "state-timeline", "table", "stat"])
      expect(types).toContain(t);
    const rsi = panels.find((p) => p.title?.startsWith("RSI_10 ("));
    const steps = (rsi as Panel | undefined)?.fieldConfig?.defaults.thresholds?.steps.map((s) => s.value);
    expect(steps).toEqual([null, 30, 70]);
    const sql = JSON.stringify(panels);
    for (const column of ["SMA_5", "EMA_10", "RSI_10", "volume", "$__timeFilter(local_time)", "'$symbol'"])
      expect(sql).toContain(column);
  });

  test("indicator columns follow the configured periods", () => {
    const other = JSON.stringify(
      marketDashboard(loadConfig({}, { SMA_PERIOD: "7", EMA_PERIOD: "21", RSI_PERIOD: "14" })),
    );
    for (const column of ["SMA_7", "EMA_21", "RSI_14"]) expect(other).toContain(column);
    expect(other).not.toContain("SMA_5");
  });
});
