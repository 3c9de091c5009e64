/**
 * `bun run bench [name-filter]`: runs every `bench/*.bench.ts` (each exports `bench()`, which prints
 * its own numbers), optionally only those whose file name contains the filter. Speed goals live
 * here, never in tests.
 */
import { basename, join } from "node:path";

export async function runBenchmarks(filter?: string, write = (line: string) => process.stdout.write(line)) {
  const dir = import.meta.dir;
  const files = [...new Bun.Glob("*.bench.ts").scanSync(dir)].sort();
  const chosen = files.filter((f) => !filter || basename(f).includes(filter));
  if (chosen.length === 0) {
    write(`no benchmark matches "${filter}" (have: ${files.join(", ")})\n`);
    return 1;
  }
  for (const file of chosen) {
    write(`\n== ${basename(file, ".bench.ts")} ==\n`);
    const mod: { bench?: () => Promise<void> } = await import(join(dir, file));
    if (typeof mod.bench !== "function") throw new Error(`${file} does not export bench()`);
    await mod.bench();
  }
  return 0;
}

if (import.meta.main) process.exitCode = await runBenchmarks(process.argv[2]);
