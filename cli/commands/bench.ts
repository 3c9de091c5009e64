import { notBuilt } from "../command.ts";

export const benchCommand = notBuilt("bench", "Run the benchmarks and print numbers and ratios", 3);
