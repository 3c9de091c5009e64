import { notBuilt } from "../command.ts";

export const sinkCommand = notBuilt("sink", "Write processed rows to QuestDB", 5);
