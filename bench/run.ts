/**
 * `bun run bench [name-filter] [--json FILE]`: runs every `bench/*.bench.ts` (each exports `bench()`,
 * which prints its own numbers and reports them to bench/results.ts), optionally only those whose file
 * name contains the filter; with a file, the figures are written there as JSON. Speed goals live
 * here, never in tests.
 *
 * Each benchmark runs in a Bun process of its own: one benchmark's JIT state (call sites made
 * polymorphic by another flavor of the same class), garbage and leftover timers would otherwise
 * weigh on the next one, so the figures of a full run would depend on which benchmarks ran before.
 * The child writes its figures to a file; the parent collects them for the JSON.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { quietLine, waitUntilQuiet } from "./cpu-accounting.ts";
import { benchResults, clearFigures, collectedFigures, report } from "./results.ts";

/** How long a benchmark waits for the machine to be quiet before it starts anyway. */
const QUIET_WAIT_MS = 180_000;

export async function runBenchmarks(
  filter?: string,
  write = (line: string) => process.stdout.write(line),
  jsonFile?: string,
) {
  const dir = import.meta.dir;
  const files = [...new Bun.Glob("*.bench.ts").scanSync(dir)].sort();
  const chosen = files.filter((f) => !filter || basename(f).includes(filter));
  if (chosen.length === 0) {
    write(`no benchmark matches "${filter}" (have: ${files.join(", ")})\n`);
    return 1;
  }
  clearFigures();
  const scratch = mkdtempSync(join(tmpdir(), "shamdan-bench-"));
  let failed = 0;
  try {
    for (const file of chosen) {
      const name = basename(file, ".bench.ts");
      write(`\n== ${name} ==\n`);
      // Not on top of what the previous benchmark left running (QuestDB applying or dropping its rows).
      const quiet = quietLine(await waitUntilQuiet(QUIET_WAIT_MS));
      if (quiet) write(`${quiet}\n`);
      const figuresFile = join(scratch, `${name}.json`);
      const child = Bun.spawn(
        [process.execPath, join(dir, "run.ts"), "--one", join(dir, file), figuresFile],
        {
          stdout: "pipe",
          stderr: "inherit",
        },
      );
      for await (const chunk of child.stdout) write(new TextDecoder().decode(chunk));
      const code = await child.exited;
      if (code !== 0) {
        write(`benchmark ${name} failed (exit ${code})\n`);
        failed++;
        continue;
      }
      const figures = (await Bun.file(figuresFile).json()) as Record<string, number>;
      for (const [key, value] of Object.entries(figures)) report(key, value);
    }
    if (jsonFile) {
      await Bun.write(jsonFile, `${JSON.stringify(benchResults(), null, 2)}\n`);
      write(`\nfigures written to ${jsonFile}\n`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return failed === 0 ? 0 : 1;
}

/** In the child: one benchmark, its figures written to `figuresFile`. */
async function runOne(file: string, figuresFile: string): Promise<void> {
  const mod: { bench?: () => Promise<void> } = await import(file);
  if (typeof mod.bench !== "function") throw new Error(`${file} does not export bench()`);
  await mod.bench();
  await Bun.write(figuresFile, JSON.stringify(collectedFigures()));
}

if (import.meta.main) {
  const [flag, file, figuresFile] = process.argv.slice(2);
  if (flag === "--one" && file && figuresFile) {
    await runOne(file, figuresFile);
    // Benchmarks may leave clients whose timers would keep the process alive.
    process.exit(0);
  }
  process.exitCode = await runBenchmarks(process.argv[2]);
}
