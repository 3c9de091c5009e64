import { notBuilt } from "../command.ts";

export const nobitexFakeCommand = notBuilt(
  "nobitex-fake",
  "Serve recorded candles with the Nobitex UDF API's semantics",
  4,
);
