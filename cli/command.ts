/** A CLI command: its name, its help text, and a run function returning the process exit code. */
import { type ParseArgsConfig, parseArgs } from "node:util";

export interface Command {
  name: string;
  summary: string;
  /** Full help: usage line, options, examples. */
  help: string;
  run(argv: string[]): Promise<number>;
  /**
   * A service: once run() returned (after its graceful shutdown), the process exits without waiting
   * for timers a client library still runs for a connect abandoned at shutdown (main.ts).
   */
  service?: boolean;
}

/** Exit codes shared by all commands. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

export class UsageError extends Error {
  override name = "UsageError";
}

/** node:util parseArgs with strict checking; unknown options become a UsageError. */
export function parseOptions<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
