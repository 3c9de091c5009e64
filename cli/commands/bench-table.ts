/** `shamdan bench-table --json FILE [--readme PATH]`: the README's benchmark table from a bench run's JSON. */
import { benchTable, replaceTable } from "../../bench/table.ts";
import { type Command, parseOptions, UsageError } from "../command.ts";

export const benchTableCommand: Command = {
  name: "bench-table",
  summary: "Write the README's benchmark table from the JSON of bun run bench --json",
  help: `Usage: bun run shamdan bench-table --json FILE [--readme PATH]

Prints the benchmark table (Markdown, with the machine and date of the run) made from the figures in
FILE, written by \`bun run bench --json FILE\`. A row appears only when all its figures are in FILE.

Options:
  --json FILE     the figures of a bench run
  --readme PATH   instead of printing, replace the table between the lines
                  <!-- bench-table:start --> and <!-- bench-table:end --> in PATH (e.g. README.md)`,
  async run(argv) {
    const { values } = parseOptions(argv, { json: { type: "string" }, readme: { type: "string" } });
    if (!values.json) throw new UsageError("--json FILE is required");
    const table = benchTable(await Bun.file(values.json).json());
    if (!values.readme) {
      process.stdout.write(table);
      return 0;
    }
    const readme = await Bun.file(values.readme).text();
    await Bun.write(values.readme, replaceTable(readme, table));
    process.stdout.write(`${values.readme}: benchmark table written from ${values.json}\n`);
    return 0;
  },
};
