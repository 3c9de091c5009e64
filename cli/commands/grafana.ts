import { loadConfig } from "@shamdan/shared/core/config";
import { type Command, ExitCode, parseOptions, UsageError } from "../command.ts";

const help = `Usage: bun run shamdan grafana <generate|check>

Grafana as code: the "Shamdan — market" dashboard, the QuestDB data source, alert rules, the Slack
contact point and the notification policy are generated from grafana/*.ts.

  generate   write grafana/provisioning/ (mounted by compose) and k8s/base/grafana/ (read by kustomize)
  check      exit 1 when the files on disk differ from what generate would write

Indicator periods (SMA_PERIOD, EMA_PERIOD, RSI_PERIOD), RSI thresholds, QUESTDB_TABLE and SYMBOLS
come from the environment; the committed files use the defaults.`;

export const grafanaCommand: Command = {
  name: "grafana",
  summary: "Generate Grafana provisioning (dashboards, data source, alerts, Slack) from code",
  help,
  async run(argv) {
    const { positionals } = parseOptions(argv, {});
    const [action] = positionals;
    // Loaded lazily: the generator needs @grafana/schema's enums, a dev dependency the image omits.
    const { PROVISIONING_DIRS, provisioningDrift, writeProvisioning } = await import(
      "@shamdan/grafana/provisioning"
    );
    const config = loadConfig();
    const report = (line: string) => process.stdout.write(`${line}\n`);
    switch (action) {
      case "generate":
        for (const dir of PROVISIONING_DIRS) {
          const written = await writeProvisioning(config, dir);
          report(`${dir}: ${written.length} files (${written.join(", ")})`);
        }
        return ExitCode.ok;
      case "check": {
        let clean = true;
        for (const dir of PROVISIONING_DIRS) {
          const drift = await provisioningDrift(config, dir);
          if (drift.length > 0) report(`${dir}: out of date: ${drift.join(", ")}`);
          clean &&= drift.length === 0;
        }
        if (clean) report("grafana provisioning is up to date");
        return clean ? ExitCode.ok : ExitCode.failure;
      }
      default:
        throw new UsageError(action ? `unknown action "${action}"` : "missing action (generate or check)");
    }
  },
};
