/** `shamdan bench-table` end to end: the real CLI on a small bench JSON, printing and updating a README. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchTable, TABLE_END, TABLE_START } from "../../bench/table.ts";
import { runCli } from "../testing/run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "shamdan-bench-table-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const results = {
  date: "2026-12-01T16:00:00.000Z",
  machine: { cores: 2, cpuModel: "AMD EPYC", memoryGb: 23.5, bun: "1.4.5", platform: "linux-x64" },
  seed: {
    msPerCandleAt1k: 2.81,
    msPerCandleAt10k: 4.2,
    msPerCandleAt100k: 20.99,
    engineNsPerCandle: 30,
    speedupAt10k: 140_000,
    engineFlatness: 1.01,
  },
};
const jsonFile = join(dir, "bench.json");
writeFileSync(jsonFile, JSON.stringify(results));

const benchTableCli = (...args: string[]) => runCli(["bench-table", ...args]);

describe("shamdan bench-table", () => {
  test("prints the Markdown table of the file", async () => {
    const { stdout, code } = await benchTableCli("--json", jsonFile);
    expect(code).toBe(0);
    expect(stdout).toBe(benchTable(results));
    expect(stdout).toContain(
      "speedup at 10k 140,000x; engine 100k/1k 1.01 | speedup >= 100,000x, engine flat (<= 1.2): met |",
    );
  });

  test("--readme replaces the table between the markers and leaves the rest of the file as it was", async () => {
    const readme = join(dir, "README.md");
    const before = "# Project\n\n## Benchmarks\n\n";
    const after = "\n## Folders\n\n| path | what |\n";
    writeFileSync(readme, `${before}${TABLE_START}\n| stale | 1 | 2 |\n${TABLE_END}${after}`);
    const { code } = await benchTableCli("--json", jsonFile, "--readme", readme);
    expect(code).toBe(0);
    expect(readFileSync(readme, "utf8")).toBe(
      `${before}${TABLE_START}\n${benchTable(results)}${TABLE_END}${after}`,
    );
  });

  test("without --json it is a usage error; a README without the markers is not touched", async () => {
    expect((await benchTableCli()).code).toBe(2);
    const readme = join(dir, "no-markers.md");
    writeFileSync(readme, "# Project\n");
    const { code, stderr } = await benchTableCli("--json", jsonFile, "--readme", readme);
    expect(code).toBe(1);
    expect(stderr).toContain("markers");
    expect(readFileSync(readme, "utf8")).toBe("# Project\n");
  });
});
