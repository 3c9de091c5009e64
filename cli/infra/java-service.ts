/**
 * Runs a JVM server (Kafka, QuestDB), or another server binary (Centrifugo), as a detached background
 * process owned by this project:
 * a pid file marks what we started, so `down` never touches a process we did not start, and a
 * second `up` is a no-op while ours is alive.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { portAnswers } from "@shamdan/shared/core/port-answers";

export interface JavaService {
  /** Short name used in messages and file names. */
  name: string;
  /** Folder holding the pid file and the log. */
  dir: string;
  /** Ports that must answer before the service counts as up. */
  ports: number[];
  /** Prepares files (download, format) before the first start. */
  prepare(): Promise<void>;
  /** Java arguments (after the java binary). */
  javaArgs?(): string[];
  /** The whole command line instead, for a server that is not a JVM. */
  command?(): string[];
  env?(): Record<string, string>;
  /** Extra readiness probe after the ports answer. */
  ready?(): Promise<boolean>;
}

export type ServiceState =
  | { state: "running"; pid: number }
  | { state: "foreign"; note: string }
  | { state: "stopped" };

export const pidFile = (s: JavaService) => join(s.dir, `${s.name}.pid`);
export const logFile = (s: JavaService) => join(s.dir, `${s.name}.log`);

export function javaBinary(javaHome: string | undefined): string {
  return javaHome ? join(javaHome, "bin", "java") : "java";
}

function readPid(s: JavaService): number | null {
  if (!existsSync(pidFile(s))) return null;
  const pid = Number(readFileSync(pidFile(s), "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function serviceState(s: JavaService): Promise<ServiceState> {
  const pid = readPid(s);
  if (pid !== null && isAlive(pid)) return { state: "running", pid };
  const busy = [];
  for (const port of s.ports) if (await portAnswers("127.0.0.1", port, 500)) busy.push(port);
  if (busy.length > 0)
    return { state: "foreign", note: `port ${busy.join(", ")} answers, but not from a process we started` };
  return { state: "stopped" };
}

async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  s: JavaService,
  pid: number,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) throw new Error(`${what} exited during start-up; see ${logFile(s)}`);
    if (await check()) return;
    await Bun.sleep(250);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s; see ${logFile(s)}`);
}

/** Starts the service unless ours already runs; waits until its ports (and probe) answer. */
export async function startService(s: JavaService, javaHome: string | undefined, timeoutMs = 120_000) {
  const current = await serviceState(s);
  if (current.state === "running") return { started: false, pid: current.pid };
  if (current.state === "foreign") throw new Error(`${s.name}: ${current.note}; stop it or change the port`);
  mkdirSync(s.dir, { recursive: true });
  await s.prepare();
  const log = openSync(logFile(s), "a");
  const [file, ...args] = s.command?.() ?? [javaBinary(javaHome), ...(s.javaArgs?.() ?? [])];
  const child = spawn(file as string, args, {
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, ...s.env?.() },
  });
  closeSync(log);
  if (!child.pid)
    throw new Error(
      s.command
        ? `${s.name}: could not start ${file}`
        : `${s.name}: could not start java (is Java 17+ installed? JAVA_HOME?)`,
    );
  child.unref();
  writeFileSync(pidFile(s), `${child.pid}\n`);
  const pid = child.pid;
  await waitUntil(
    async () => {
      for (const port of s.ports) if (!(await portAnswers("127.0.0.1", port, 500))) return false;
      return s.ready ? s.ready() : true;
    },
    timeoutMs,
    s.name,
    s,
    pid,
  );
  return { started: true, pid };
}

/** Stops the service if (and only if) we started it. `kill` = SIGKILL at once (fault tests). */
export async function stopService(s: JavaService, options: { kill?: boolean; timeoutMs?: number } = {}) {
  const pid = readPid(s);
  if (pid === null || !isAlive(pid)) {
    rmSync(pidFile(s), { force: true });
    return false;
  }
  process.kill(pid, options.kill ? "SIGKILL" : "SIGTERM");
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (isAlive(pid) && Date.now() < deadline) await Bun.sleep(100);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  while (isAlive(pid)) await Bun.sleep(50);
  // Wait until the ports are released so an immediate restart can bind them.
  for (const port of s.ports) {
    const until = Date.now() + 10_000;
    while ((await portAnswers("127.0.0.1", port, 500)) && Date.now() < until) await Bun.sleep(100);
  }
  rmSync(pidFile(s), { force: true });
  return true;
}

/** Runs Maven to fetch artifacts from Maven Central into `dir` (once: the caller checks the cache). */
export function mavenFetch(pomXml: string, workDir: string, goalArgs: string[]) {
  mkdirSync(workDir, { recursive: true });
  writeFileSync(join(workDir, "pom.xml"), pomXml);
  const result = spawnSync("mvn", ["-q", "-B", "-Dstyle.color=never", ...goalArgs], {
    cwd: workDir,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.error) throw new Error(`mvn could not run (${result.error.message}); install Maven`);
  if (result.status !== 0) throw new Error(`mvn failed with exit code ${result.status} in ${workDir}`);
}
