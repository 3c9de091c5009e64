/** Runs the CLI as a child process for tests, as a user would from a shell. */
import { join } from "node:path";

export const REPO_ROOT = join(import.meta.dir, "..", "..");
const MAIN = join(REPO_ROOT, "cli", "main.ts");

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * `bun cli/main.ts ...args` to completion. The environment is PATH plus `env` only: the defaults, not
 * whatever the developer's shell exports. Runs in the repository unless `cwd` says otherwise.
 */
export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const child = Bun.spawn([process.execPath, MAIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}
