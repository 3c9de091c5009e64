/**
 * `bun run test:ci`: the one command that runs every test, as CI does. Starts the real Kafka and
 * QuestDB if they are not running, runs `bun test` (unit + integration) with a JUnit report beside
 * the console output, and ends with the plain line `N passed, N failed` counted from that report.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Command, ExitCode, parseOptions } from "../command.ts";
import { infraUp } from "../infra/infra.ts";
import { loadInfraConfig } from "../infra/infra-config.ts";
import { countJunit } from "./junit-count.ts";

const help = `Usage: bun run test:ci [--no-infra] [-- <bun test arguments>]

Starts Kafka and QuestDB (bun run shamdan infra up) unless they already run, then runs every test
(unit and *.integration.test.ts) and prints "N passed, N failed" counted from Bun's JUnit report.
  --no-infra   do not start the infra (integration tests then fail with a clear message)
Arguments after "--" go to bun test (e.g. a path filter).`;

export const testCiCommand: Command = {
  name: "test-ci",
  summary: "Start the infra if needed and run every test, ending with 'N passed, N failed'",
  help,
  async run(argv) {
    const split = argv.indexOf("--");
    const own = split === -1 ? argv : argv.slice(0, split);
    const passThrough = split === -1 ? [] : argv.slice(split + 1);
    const { values } = parseOptions(own, { "no-infra": { type: "boolean", default: false } });
    const config = loadInfraConfig();
    if (!values["no-infra"]) {
      await infraUp(config, undefined, (line) => process.stdout.write(`${line}\n`));
    }
    const reportDir = resolve(config.SHAMDAN_HOME, "test-results");
    mkdirSync(reportDir, { recursive: true });
    const junitPath = join(reportDir, "junit.xml");
    const child = Bun.spawn(
      [
        "bun",
        "test",
        "--timeout=60000",
        "--reporter=junit",
        `--reporter-outfile=${junitPath}`,
        ...passThrough,
      ],
      {
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
    const exitCode = await child.exited;
    let counts: { passed: number; failed: number; skipped: number };
    try {
      counts = countJunit(readFileSync(junitPath, "utf8"));
    } catch (error) {
      process.stderr.write(`test-ci: could not read the JUnit report ${junitPath}: ${String(error)}\n`);
      process.stdout.write("0 passed, 1 failed\n");
      return ExitCode.failure;
    }
    // A crashed runner (non-zero exit with no failing test case) still counts as a failure.
    const failed = counts.failed + (exitCode !== 0 && counts.failed === 0 ? 1 : 0);
    process.stdout.write(
      `${counts.passed} passed, ${failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""}\n`,
    );
    return failed === 0 && counts.passed > 0 ? ExitCode.ok : ExitCode.failure;
  },
};
