/** `shamdan bench [filter] [--json FILE]` (= `bun run bench`): runs bench/*.bench.ts, optionally only matching names. */
import { runBenchmarks } from "../../bench/run.ts";
import { type Command, parseOptions } from "../command.ts";

export const benchCommand: Command = {
  name: "bench",
  summary: "Run the benchmarks and print numbers and ratios",
  help: `Usage: bun run bench [name-filter] [--json FILE]

Runs every bench/*.bench.ts (or those whose name contains the filter, e.g. "indicators") and prints
their numbers: updates per second, ns per item, and ratios against the baselines measured in the same run.

Options:
  --json FILE   also write the run's figures (numbers under keys such as indicators.ratioToFused),
                the machine (cores, memory, Bun version) and the date to FILE as JSON
                (bun run shamdan bench-table --json FILE turns it into the README's table)`,
  async run(argv) {
    const { positionals, values } = parseOptions(argv, { json: { type: "string" } });
    return runBenchmarks(positionals[0], undefined, values.json);
  },
};
