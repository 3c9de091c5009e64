import { notBuilt } from "../command.ts";

export const computeCommand = notBuilt(
  "compute",
  "Compute indicators and signals for a recorded UDF file, print JSON Lines",
  3,
);
