/** Every command of the CLI, in the order `--help` lists them. */
import { type Command, notBuilt } from "../command.ts";
import { infra } from "./infra.ts";

export const commands: Command[] = [
  notBuilt("start", "Run the whole pipeline in one process (embedded: memory bus, SQLite store)", 5),
  notBuilt("ingest", "Poll Nobitex on a croner schedule and publish candles", 4),
  notBuilt("processor", "Consume candles, compute indicators and signals, publish rows", 5),
  notBuilt("sink", "Write processed rows to QuestDB", 5),
  notBuilt("api", "Serve the HTTP API (Hono)", 6),
  notBuilt("compute", "Compute indicators and signals for a recorded UDF file, print JSON Lines", 3),
  notBuilt("nobitex-fake", "Serve recorded candles with the Nobitex UDF API's semantics", 4),
  notBuilt("replay", "Publish recorded candles to the symbol topics", 4),
  infra,
];
