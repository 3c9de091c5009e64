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
    const near = closestCommand(name);
    process.stderr.write(
      `shamdan: unknown command "${name}"${near ? `; did you mean "${near}"?` : ""} (bun run shamdan --help lists them)\n`,
    );
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
    // Anything else is still one line, never a stack trace: what failed and, for the usual causes, why.
    process.stderr.write(`shamdan ${name}: ${oneLine(error)}\n`);
    return ExitCode.failure;
  }
}

/** The command a typo most likely meant: the nearest name by edit distance, if it is near enough. */
export function closestCommand(typed: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const { name } of commands) {
    const distance = editDistance(typed.toLowerCase(), name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  const allowed = Math.max(2, Math.floor((best?.name.length ?? 0) / 3));
  return best && (best.distance <= allowed || best.name.startsWith(typed.toLowerCase()))
    ? best.name
    : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** An error as one line: the usual system errors say what to do. */
export function oneLine(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; path?: unknown; port?: unknown };
  const message = typeof e?.message === "string" ? (e.message.split("\n")[0] ?? "") : String(error);
  if (e?.code === "EADDRINUSE")
    return `the port is already in use (${message}): stop what listens there, or pick another port (--port N or API_PORT)`;
  if (e?.code === "ENOENT")
    return `no such file or folder${typeof e.path === "string" ? `: ${e.path}` : ""} (${message})`;
  if (e?.code === "EACCES") return `permission denied (${message})`;
  return message;
}

/**
 * Output piped into a reader that stops early (`| head`) closes the pipe: the next write fails with
 * EPIPE. That is the reader's choice, not an error: stop quietly, with success, as Unix tools do.
 */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(ExitCode.ok);
    throw error;
  });
}

if (import.meta.main) {
  exitQuietlyOnClosedPipe(process.stdout);
  const argv = process.argv.slice(2);
  process.exitCode = await main(argv);
  // A kafkajs connect abandoned at shutdown (broker still down) keeps retrying on its own timers for
  // up to a minute; a stopped service is done, so do not wait for them. Unref'd: a process with
  // nothing left exits at once as before. Not for other commands: their output may still be flushing.
  if (commandOf(argv)?.service && !argv.includes("--help") && !argv.includes("-h"))
    setTimeout(() => process.exit(), 2000).unref();
}
