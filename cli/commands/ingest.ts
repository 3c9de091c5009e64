import { notBuilt } from "../command.ts";

export const ingestCommand = notBuilt("ingest", "Poll Nobitex on a croner schedule and publish candles", 4);
