import { type Command, ExitCode, parseOptions, UsageError } from "../command.ts";
import { jsonSchemaDrift, SCHEMAS_DIR, writeJsonSchemas } from "../json-schemas.ts";

const help = `Usage: bun run shamdan schemas <generate|check>

The message formats (the candle on <symbol>_topic, the row on output_topic, the Nobitex UDF response)
as JSON Schema, generated from the valibot schemas the code validates with.

  generate   write docs/schemas/*.schema.json
  check      exit 1 when the files on disk differ from what generate would write`;

export const schemasCommand: Command = {
  name: "schemas",
  summary: "Generate (or check) the JSON Schemas of the message formats in docs/schemas/",
  help,
  async run(argv) {
    const { positionals } = parseOptions(argv, {});
    const [action] = positionals;
    const report = (line: string) => process.stdout.write(`${line}\n`);
    switch (action) {
      case "generate": {
        const written = await writeJsonSchemas();
        report(`${SCHEMAS_DIR}: ${written.length} files (${written.join(", ")})`);
        return ExitCode.ok;
      }
      case "check": {
        const drift = await jsonSchemaDrift();
        report(drift.length === 0 ? "JSON Schemas are up to date" : `out of date: ${drift.join(", ")}`);
        return drift.length === 0 ? ExitCode.ok : ExitCode.failure;
      }
      default:
        throw new UsageError(action ? `unknown action "${action}"` : "missing action (generate or check)");
    }
  },
};
