import { type Command, ExitCode, parseOptions, UsageError } from "../command.ts";
import { infraDown, infraStatus, infraUp, SERVICE_NAMES, type ServiceName } from "../infra/infra.ts";
import { loadInfraConfig } from "../infra/infra-config.ts";

const help = `Usage: bun run shamdan infra <up|down|status> [kafka|questdb|centrifugo ...] [--kill]

Runs a REAL Apache Kafka (KRaft), a REAL QuestDB (background Java processes) and a REAL Centrifugo
(the server of Nobitex's WebSocket stream, configured like Nobitex's) on 127.0.0.1. The first "up"
downloads Kafka and QuestDB from Maven Central with mvn (cached under SHAMDAN_HOME/downloads) and builds
Centrifugo with Go (once, a few minutes, into SHAMDAN_HOME/tools). Without Go and without a built
binary, Centrifugo is skipped with one line and the others start.

  up       start what is not running and wait until it answers (a second "up" is a no-op)
  down     stop what "up" started (by pid; never a process we did not start)
  status   show each service: running (pid), foreign (a port answers, not ours) or stopped
  --kill   with down: SIGKILL at once (fault tests)

Name services to act on only those (default: all three).
Environment: SHAMDAN_HOME (default .shamdan: data, logs, downloads, tools), INFRA_KAFKA_PORT (9092),
INFRA_KAFKA_CONTROLLER_PORT (9093), INFRA_QUESTDB_HTTP_PORT (9000), INFRA_QUESTDB_PG_PORT (8812),
INFRA_QUESTDB_ILP_TCP_PORT (9009), INFRA_CENTRIFUGO_PORT (8000), INFRA_CENTRIFUGO_API_KEY (the key
of its HTTP server API), KAFKA_VERSION, QUESTDB_VERSION, JAVA_HOME (Java 17+).`;

export const infra: Command = {
  name: "infra",
  summary: "Start/stop/inspect a real local Kafka, QuestDB and Centrifugo",
  help,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, { kill: { type: "boolean", default: false } });
    const [action, ...rest] = positionals;
    const unknown = rest.filter((n) => !SERVICE_NAMES.includes(n as ServiceName));
    if (unknown.length > 0) throw new UsageError(`unknown service ${unknown.join(", ")}`);
    const names = rest.length > 0 ? (rest as ServiceName[]) : SERVICE_NAMES;
    const config = loadInfraConfig();
    const report = (line: string) => process.stdout.write(`${line}\n`);
    switch (action) {
      case "up":
        await infraUp(config, names, report);
        return ExitCode.ok;
      case "down":
        await infraDown(config, names, report, { kill: values.kill });
        return ExitCode.ok;
      case "status": {
        let allUp = true;
        for (const s of await infraStatus(config)) {
          const detail =
            s.state === "running" ? `pid ${s.pid}` : s.state === "foreign" ? s.note : (s.missing ?? "");
          allUp &&= s.state !== "stopped" || s.missing !== undefined;
          report(
            `${s.name.padEnd(10)} ${s.state.padEnd(8)} ports ${s.ports.join(",")} ${detail} log ${s.log}`,
          );
        }
        return allUp ? ExitCode.ok : ExitCode.failure;
      }
      default:
        throw new UsageError(action ? `unknown action "${action}"` : "missing action (up, down or status)");
    }
  },
};
