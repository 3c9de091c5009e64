import { notBuilt } from "../command.ts";

export const testCiCommand = notBuilt("test-ci", "Start the infra if needed and run every test", 2);
