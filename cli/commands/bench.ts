/** `shamdan bench [filter]` (= `bun run bench`): runs bench/*.bench.ts, optionally only matching names. */
import { runBenchmarks } from "../../bench/run.ts";
import { type Command, parseOptions } from "../command.ts";

export const benchCommand: Command = {
  name: "bench",
  summary: "Run the benchmarks and print numbers and ratios",
  help: `Usage: bun run bench [name-filter]

Runs every bench/*.bench.ts (or those whose name contains the filter, e.g. "indicators") and prints
their numbers: updates per second, ns per item, and ratios against the baselines measured in the same run.`,
  async run(argv) {
    const { positionals } = parseOptions(argv, {});
    return runBenchmarks(positionals[0]);
  },
};
