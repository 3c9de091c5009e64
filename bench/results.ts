/**
 * The figures of a bench run, collected under fixed dotted keys (e.g. `indicators.ratioToFused`) so
 * that runs can be compared and the README table generated from them. Benchmarks report what they
 * print; `bun run bench --json FILE` writes the collected figures with the machine and the date.
 */
import { availableParallelism, cpus, totalmem } from "node:os";

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  bun: string;
  platform: string;
}

/** A figure tree: `indicators.ratioToFused` is `{ indicators: { ratioToFused: 2.6 } }`. */
export interface FigureTree {
  [name: string]: number | FigureTree;
}

/** The JSON of a run: the figures' top-level groups (indicators, seed, …) beside date and machine. */
export interface BenchResults {
  date: string;
  machine: Machine;
  [group: string]: string | Machine | FigureTree;
}

const figures = new Map<string, number>();

/** Records one figure; a non-finite value is refused so the JSON never carries null for a number. */
export function report(key: string, value: number): void {
  if (!/^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/.test(key) || /^(date|machine)\./.test(key))
    throw new Error(`bad figure key "${key}"`);
  if (!Number.isFinite(value)) throw new Error(`figure ${key} is not a finite number: ${value}`);
  figures.set(key, value);
}

export function collectedFigures(): Record<string, number> {
  return Object.fromEntries([...figures].sort(([a], [b]) => a.localeCompare(b)));
}

export function clearFigures(): void {
  figures.clear();
}

/** Dotted keys into nested objects, so `jq .indicators.ratioToFused` reads a figure. */
export function nestFigures(flat: Record<string, number>): FigureTree {
  const tree: FigureTree = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split(".");
    let node = tree;
    for (const part of parts.slice(0, -1)) {
      const child = node[part];
      if (typeof child === "number") throw new Error(`figure ${key} collides with ${part}`);
      if (child === undefined) {
        const group: FigureTree = {};
        node[part] = group;
        node = group;
      } else node = child;
    }
    const leaf = parts.at(-1) as string;
    if (node[leaf] !== undefined) throw new Error(`figure ${key} collides with a group of figures`);
    node[leaf] = value;
  }
  return tree;
}

export function benchResults(now = new Date()): BenchResults {
  return {
    date: now.toISOString(),
    machine: {
      cores: availableParallelism(),
      cpuModel: cpus()[0]?.model.trim() ?? "unknown",
      memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      bun: Bun.version,
      platform: `${process.platform}-${process.arch}`,
    },
    ...nestFigures(collectedFigures()),
  };
}
