import { notBuilt } from "../command.ts";

export const startCommand = notBuilt(
  "start",
  "Run the whole pipeline in one process (embedded: memory bus, SQLite store)",
  5,
);
