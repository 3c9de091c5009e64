/**
 * `bun run test:chaos`: the chaos suite (cli/chaos/chaos.ts). Prints one row per scenario and ends with
 * the plain line `N passed, N failed`; exits 1 if any scenario failed.
 */
import { runChaos, type ScenarioResult } from "../chaos/chaos.ts";
import { type Command, ExitCode, parseOptions, UsageError } from "../command.ts";

const help = `Usage: bun run test:chaos [--only NAME,...] [--port-base N]

Runs the whole pipeline (ingest, 2 processors, sink, api as child processes) on a Kafka and a QuestDB
of its own (fresh, on ports from --port-base, default 19000), fed by the fake Nobitex with every fault
enabled and by recorded candles, and does one bad thing per scenario:
  cold-start       every service started at the same instant, before Kafka and QuestDB, on new topics
  kill-ingest      kill -9 ingest, restart it
  kill-processor   kill -9 one processor replica mid-stream, restart it
  kill-sink        kill -9 the sink mid-stream, restart it
  kill-api         kill -9 the api with a stream open, restart it
  broker-restart   stop Kafka mid-stream, start it again
  questdb-restart  stop QuestDB mid-stream, start it again
  poison           hostile bytes into every topic (symbol topics, output_topic, the changelog)
  hostile-api      10,000 hostile requests, 400 distinct heavy reads, 40 streams replaying from the start
After each: every service ready again by itself, the rows in QuestDB equal computeSeries over every
candle published (none lost, none duplicated), each bad message dead-lettered exactly once.
Needs Java 17+ and the Kafka and QuestDB downloads of \`bun run shamdan infra up\`. Bounded: about 10
minutes on 2 cores.`;

const mb = (peaks: Map<string, number>, name: string) => {
  const value = peaks.get(name);
  return value === undefined ? "-" : value.toFixed(0);
};

/** The summary table: one row per scenario. */
export function chaosTable(results: readonly ScenarioResult[]): string {
  const services = ["ingest", "processor-a", "processor-b", "sink", "api"];
  const header = [
    "scenario",
    "result",
    "rows expected",
    "found",
    "duplicated",
    "dead letters (expected)",
    "recovered in s",
    ...services.map((s) => `${s} peak MB`),
    "what was done",
  ];
  const rows = results.map((r) => [
    r.name,
    r.problems.length === 0 ? "pass" : "FAIL",
    String(r.expected),
    String(r.found),
    String(r.duplicated),
    `${r.deadLetters} (${r.expectedDeadLetters})`,
    (r.recoverMs / 1000).toFixed(1),
    ...services.map((s) => mb(r.peaks, s)),
    r.action,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export const chaosCommand: Command = {
  name: "chaos",
  summary: "The chaos suite: faults, kills and hostile input against the whole pipeline (test:chaos)",
  help,
  async run(argv) {
    const { values } = parseOptions(argv, {
      only: { type: "string" },
      "port-base": { type: "string", default: "19000" },
    });
    const portBase = Number(values["port-base"]);
    if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65_000)
      throw new UsageError("--port-base must be an integer from 1024 to 65000");
    const only = values.only?.split(",").map((s) => s.trim());
    const started = performance.now();
    const results = await runChaos({ portBase, only, report: (line) => process.stderr.write(`${line}\n`) });
    process.stdout.write(`${chaosTable(results)}\n`);
    for (const r of results)
      for (const problem of r.problems.slice(0, 10)) process.stdout.write(`${r.name}: ${problem}\n`);
    const failed = results.filter((r) => r.problems.length > 0).length;
    process.stdout.write(`chaos suite took ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
    return failed === 0 && results.length > 0 ? ExitCode.ok : ExitCode.failure;
  },
};
