/**
 * The services of a chaos run as real child processes (`bun cli/main.ts <command>`), each with its own
 * environment, log file and health URL: start them (all at the same instant if asked), `kill -9` one,
 * restart it, wait until `/readyz` answers 200, and follow each one's resident memory (sampled from
 * /proc) so the report can give every service's peak per scenario. An exit nobody asked for is
 * recorded: the suite fails on it, since no service may exit because of a fault it should survive.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

export interface ServiceSpec {
  /** Unique name in the fleet, e.g. "processor-a". */
  name: string;
  /** The CLI command, e.g. "processor". */
  command: string;
  /** Its options, e.g. `["--host", "127.0.0.1"]`. */
  args?: readonly string[];
  env: Record<string, string>;
  /** `/readyz` of the service (health server or the API). */
  readyUrl: string;
}

interface Running {
  spec: ServiceSpec;
  process: Subprocess;
  /** Set before we kill or stop it, so its exit is not reported as unexpected. */
  expectedExit: boolean;
  log: string;
}

export interface UnexpectedExit {
  name: string;
  code: number | null;
  log: string;
}

/** Resident set size of a process in MB, from /proc (Linux); undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export class Fleet {
  private readonly running = new Map<string, Running>();
  private readonly specs = new Map<string, ServiceSpec>();
  private readonly starts = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  readonly unexpectedExits: UnexpectedExit[] = [];
  private sampler: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly repoRoot: string,
    private readonly logDir: string,
  ) {}

  add(spec: ServiceSpec): void {
    this.specs.set(spec.name, spec);
  }

  names(): string[] {
    return [...this.specs.keys()];
  }

  /** Starts the named services (default all) in the same tick: as compose or Kubernetes start them. */
  start(names: readonly string[] = this.names()): void {
    for (const name of names) this.spawn(name);
    this.sampler ??= setInterval(() => this.sample(), 200);
  }

  /** SIGKILL: no shutdown code runs, as when a node dies. Resolves once the process is gone. */
  async kill9(name: string): Promise<void> {
    const running = this.running.get(name);
    if (!running) return;
    running.expectedExit = true;
    running.process.kill("SIGKILL");
    await running.process.exited;
    this.running.delete(name);
  }

  /** SIGTERM and wait: the graceful stop every service implements. */
  async stop(name: string): Promise<number | null> {
    const running = this.running.get(name);
    if (!running) return null;
    running.expectedExit = true;
    running.process.kill("SIGTERM");
    const code = await Promise.race([running.process.exited, Bun.sleep(30_000).then(() => null)]);
    if (code === null) {
      running.process.kill("SIGKILL");
      await running.process.exited;
    }
    this.running.delete(name);
    return code;
  }

  /** SIGKILL to every child at once, synchronously: for an interrupted run, so no service outlives it. */
  killAllNow(): void {
    for (const running of this.running.values()) {
      running.expectedExit = true;
      running.process.kill("SIGKILL");
    }
  }

  async stopAll(): Promise<void> {
    clearInterval(this.sampler);
    this.sampler = undefined;
    await Promise.all([...this.running.keys()].map((name) => this.stop(name)));
  }

  /** Waits until every named service answers `/readyz` with 200; returns how long that took (ms). */
  async waitReady(names: readonly string[] = this.names(), timeoutMs = 120_000): Promise<number> {
    const started = performance.now();
    const pending = new Set(names);
    while (pending.size > 0) {
      if (performance.now() - started > timeoutMs)
        throw new Error(
          `not ready after ${timeoutMs} ms: ${[...pending].join(", ")} (logs in ${this.logDir})`,
        );
      await Promise.all(
        [...pending].map(async (name) => {
          if (await this.isReady(name)) pending.delete(name);
        }),
      );
      if (pending.size > 0) await Bun.sleep(250);
    }
    return performance.now() - started;
  }

  async isReady(name: string): Promise<boolean> {
    const spec = this.specs.get(name);
    if (!spec || !this.running.has(name)) return false;
    try {
      const response = await fetch(spec.readyUrl, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false;
    }
  }

  /** Peak RSS (MB) of each service since the last reset, over every process that ran under its name. */
  takePeaks(): Map<string, number> {
    const peaks = new Map(this.peaks);
    this.peaks.clear();
    return peaks;
  }

  logOf(name: string): string | undefined {
    return this.running.get(name)?.log;
  }

  private spawn(name: string): void {
    const spec = this.specs.get(name);
    if (!spec) throw new Error(`unknown service ${name}`);
    if (this.running.has(name)) throw new Error(`${name} is already running`);
    const n = (this.starts.get(name) ?? 0) + 1;
    this.starts.set(name, n);
    const log = join(this.logDir, `${name}.${n}.log`);
    const child = Bun.spawn(["bun", "cli/main.ts", spec.command, ...(spec.args ?? [])], {
      cwd: this.repoRoot,
      env: { ...process.env, ...spec.env },
      stdin: "ignore",
      stdout: Bun.file(log),
      stderr: Bun.file(`${log}.err`),
    });
    const running: Running = { spec, process: child, expectedExit: false, log };
    this.running.set(name, running);
    child.exited.then((code) => {
      if (running.expectedExit) return;
      this.unexpectedExits.push({ name, code, log });
      if (this.running.get(name) === running) this.running.delete(name);
    });
  }

  private sample(): void {
    for (const [name, { process }] of this.running) {
      const mb = rssMb(process.pid);
      if (mb !== undefined && mb > (this.peaks.get(name) ?? 0)) this.peaks.set(name, mb);
    }
  }
}
