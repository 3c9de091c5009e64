/** For tests that check a command leaves no process of its own behind (with isAlive, java-service.ts). */
import { readdirSync, readFileSync } from "node:fs";

/** The ids of `pid`'s child processes now (Linux /proc; empty once it exited). */
export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}
