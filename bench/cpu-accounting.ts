/**
 * Where a benchmark's CPU time went, from Linux's /proc: the whole machine's busy and idle core-seconds
 * (idle left over means the run waited on something; none means it was bound by the cores), and the
 * core-seconds of the local Kafka and QuestDB started by `bun run shamdan infra up` (found by their pid
 * files under SHAMDAN_HOME). Elsewhere (no /proc, infra started some other way) the figures are absent
 * and the caller prints what it has.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadInfraConfig } from "../cli/infra/infra-config.ts";

/** Linux reports process and machine times in clock ticks of 1/100 s (USER_HZ) on every common build. */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  machine: { busy: number; idle: number } | undefined;
  processes: Map<string, number>;
}

function machineSeconds(): CpuSample["machine"] {
  try {
    const [, ...fields] = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
    if (idle === undefined || steal === undefined) return undefined;
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + steal;
    return { busy: busy / TICKS_PER_SECOND, idle: (idle + (iowait ?? 0)) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** User + system seconds of a process (its threads included), or undefined when it cannot be read. */
function processSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function infraPids(): Map<string, number> {
  const home = loadInfraConfig().SHAMDAN_HOME;
  const pids = new Map<string, number>();
  for (const name of ["kafka", "questdb"]) {
    const file = join(home, name, `${name}.pid`);
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, "utf8").trim());
    if (Number.isSafeInteger(pid) && pid > 0) pids.set(name, pid);
  }
  return pids;
}

/** Machine and infra CPU counters now; `cpuSince` turns two samples into what was spent between. */
export function sampleCpu(): CpuSample {
  const processes = new Map<string, number>();
  for (const [name, pid] of infraPids()) {
    const seconds = processSeconds(pid);
    if (seconds !== undefined) processes.set(name, seconds);
  }
  return { machine: machineSeconds(), processes };
}

/** "machine busy 190.2 core-s, idle 12.4; kafka 31.0 s, questdb 24.5 s" (parts missing are left out). */
export function cpuSince(before: CpuSample, after: CpuSample = sampleCpu()): string {
  const parts: string[] = [];
  if (before.machine && after.machine)
    parts.push(
      `machine busy ${(after.machine.busy - before.machine.busy).toFixed(1)} core-s, idle ${(after.machine.idle - before.machine.idle).toFixed(1)} core-s`,
    );
  const infra = [...after.processes]
    .filter(([name]) => before.processes.has(name))
    .map(([name, seconds]) => `${name} ${(seconds - (before.processes.get(name) as number)).toFixed(1)} s`);
  if (infra.length > 0) parts.push(infra.join(", "));
  return parts.length > 0 ? parts.join("; ") : "machine and infra CPU not readable here";
}

/** Busy cores the machine may have and still count as quiet (a JIT, a timer, the OS). */
const QUIET_BUSY_CORES = 0.3;

/**
 * Waits until the machine is quiet: busy below QUIET_BUSY_CORES cores over a whole second, or `maxMs`
 * passed. A benchmark that starts while QuestDB still applies or purges the previous one's rows, or
 * Kafka still cleans its topics, times that work too (seen after the backfill: the engine's steps
 * timed far slower than on a quiet machine). Returns how long it waited and the busy cores of the last
 * second (undefined where /proc/stat cannot be read).
 */
export async function waitUntilQuiet(
  maxMs: number,
): Promise<{ waitedMs: number; busyCores: number | undefined }> {
  const started = performance.now();
  let busyCores: number | undefined;
  for (;;) {
    const before = machineSeconds();
    const at = performance.now();
    await Bun.sleep(1000);
    const after = machineSeconds();
    if (!before || !after) return { waitedMs: performance.now() - started, busyCores: undefined };
    busyCores = (after.busy - before.busy) / ((performance.now() - at) / 1000);
    if (busyCores < QUIET_BUSY_CORES || performance.now() - started >= maxMs)
      return { waitedMs: performance.now() - started, busyCores };
  }
}

/** "machine quiet after 3 s (0.12 cores busy over the last second)", or undefined where not measurable. */
export function quietLine(quiet: Awaited<ReturnType<typeof waitUntilQuiet>>): string | undefined {
  return quiet.busyCores === undefined
    ? undefined
    : `machine quiet after ${(quiet.waitedMs / 1000).toFixed(0)} s (${quiet.busyCores.toFixed(2)} cores busy over the last second)`;
}
