import { notBuilt } from "../command.ts";

export const replayCommand = notBuilt("replay", "Publish recorded candles to the symbol topics", 4);
