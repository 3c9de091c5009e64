/**
 * `bun run bench [name-filter] [--json FILE]`: runs every `bench/*.bench.ts` (each exports `bench()`,
 * which prints its own numbers and reports them to bench/results.ts), optionally only those whose file
 * name contains the filter; with a file, the figures are written there as JSON. Speed goals live
 * here, never in tests.
 */
import { basename, join } from "node:path";
import { benchResults, clearFigures } from "./results.ts";

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
  for (const file of chosen) {
    write(`\n== ${basename(file, ".bench.ts")} ==\n`);
    const mod: { bench?: () => Promise<void> } = await import(join(dir, file));
    if (typeof mod.bench !== "function") throw new Error(`${file} does not export bench()`);
    await mod.bench();
  }
  if (jsonFile) {
    await Bun.write(jsonFile, `${JSON.stringify(benchResults(), null, 2)}\n`);
    write(`\nfigures written to ${jsonFile}\n`);
  }
  return 0;
}

if (import.meta.main) process.exitCode = await runBenchmarks(process.argv[2]);
