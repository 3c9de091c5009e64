import { notBuilt } from "../command.ts";

export const processorCommand = notBuilt(
  "processor",
  "Consume candles, compute indicators and signals, publish rows",
  5,
);
