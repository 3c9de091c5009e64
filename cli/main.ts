#!/usr/bin/env bun
/**
 * `bun run shamdan <command>`: the one entry point. Every service is a command of it.
 */
import { ConfigError } from "@shamdan/shared/core/config";
import { ShamdanError } from "@shamdan/shared/core/errors";
import { type Command, ExitCode, UsageError } from "./command.ts";
import { commands } from "./commands/index.ts";

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "Shamdan: Nobitex candles -> indicators -> signals, in real time.",
    "",
    "Usage: bun run shamdan <command> [options]",
    "       bun run shamdan <command> --help",
    "",
    "Commands:",
    ...lines,
    "",
    "Configuration comes from the environment (see .env.example).",
  ].join("\n");
}

/** The command `argv` names, if any (main.ts's caller uses it after main returned). */
export const commandOf = (argv: string[]): Command | undefined => commands.find((c) => c.name === argv[0]);

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return name ? ExitCode.ok : ExitCode.usage;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`shamdan: unknown command "${name}"\n\n${usage()}\n`);
    return ExitCode.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.help}\n`);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`shamdan ${name}: ${error.message}\n\n${command.help}\n`);
      return ExitCode.usage;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`shamdan ${name}: ${error.message}\n`);
      return ExitCode.usage;
    }
    // An error no retry can fix reaches here only from a dependency rejecting the configuration
    // (e.g. Kafka refusing TOPIC_REPLICATION above its broker count); transient ones are waited out.
    if (error instanceof ShamdanError && !error.canRetry) {
      process.stderr.write(`shamdan ${name}: ${error.code}: ${error.message}\n`);
      return ExitCode.usage;
    }
    throw error;
  }
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  process.exitCode = await main(argv);
  // A kafkajs connect abandoned at shutdown (broker still down) keeps retrying on its own timers for
  // up to a minute; a stopped service is done, so do not wait for them. Unref'd: a process with
  // nothing left exits at once as before. Not for other commands: their output may still be flushing.
  if (commandOf(argv)?.service && !argv.includes("--help") && !argv.includes("-h"))
    setTimeout(() => process.exit(), 2000).unref();
}
