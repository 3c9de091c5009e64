/**
 * The package runs outside Bun: bundled for the browser it holds no Bun or Node API, and the bundle
 * computes under Node (and Deno, when installed) exactly what the source computes under Bun.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Candle } from "./candle.ts";
import xrp from "./fixtures/xrpeth-2000.udf.json";
import * as indicators from "./index.ts";
import { exercise } from "./portable-smoke.ts";

const here = import.meta.dir;

async function bundle(entry: string): Promise<string> {
  const result = await Bun.build({ entrypoints: [join(here, entry)], target: "browser", format: "esm" });
  if (!result.success) throw new AggregateError(result.logs, `bundling ${entry} failed`);
  const [output] = result.outputs;
  if (!output || result.outputs.length !== 1) throw new Error(`expected one output for ${entry}`);
  return output.text();
}

/** 300 real minutes, each first delivered still open (another close), then final; one bad, one late. */
function series(): Candle[] {
  const out: Candle[] = [];
  for (let i = 0; i < 300; i++) {
    const [openTime, open, high, low, close, volume] = [
      xrp.t[i],
      xrp.o[i],
      xrp.h[i],
      xrp.l[i],
      xrp.c[i],
      xrp.v[i],
    ];
    if ([openTime, open, high, low, close, volume].some((x) => x === undefined))
      throw new Error("short fixture");
    const final = { openTime: (openTime as number) * 1000, open, high, low, close, volume } as Candle;
    out.push({ ...final, close: final.open, volume: final.volume / 2 }, final);
    if (i === 100) out.push({ ...final, openTime: final.openTime + 60_000, low: -final.low });
    if (i === 200) out.push({ ...final, openTime: final.openTime - 60_000 });
  }
  return out;
}

const candles = series();
const expected = JSON.parse(JSON.stringify(exercise(indicators, candles)));
let dir = "";
let code = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "shamdan-portable-"));
  code = await bundle("index.ts");
  writeFileSync(join(dir, "indicators.js"), code);
  writeFileSync(join(dir, "smoke.js"), await bundle("portable-smoke.ts"));
  // The data is inlined so the script needs no file or network permission (Deno's default).
  writeFileSync(
    join(dir, "run.mjs"),
    [
      'import * as lib from "./indicators.js";',
      'import { exercise } from "./smoke.js";',
      `console.log(JSON.stringify(exercise(lib, ${JSON.stringify(candles)})));`,
    ].join("\n"),
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starting another runtime on a loaded 2-core machine can take several seconds (Deno's first run most). */
const RUNTIME_START_MS = 60_000;

function runUnder(command: string[]): unknown {
  const proc = Bun.spawnSync([...command, join(dir, "run.mjs")], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (proc.exitCode !== 0)
    throw new Error(`${command.join(" ")} exited ${proc.exitCode}: ${proc.stderr.toString()}`);
  return JSON.parse(proc.stdout.toString());
}

describe("@shamdan/indicators is portable", () => {
  test("the browser bundle uses no Bun or Node API", () => {
    for (const forbidden of ["Bun.", "node:", "require(", "process."]) expect(code).not.toContain(forbidden);
    // The bundle really is the engine, not an empty shell.
    expect(code).toContain("class SymbolEngine");
  });

  test("the workload covers replaces, rejections and warm-up", () => {
    for (const r of expected) {
      const steps = r.steps as Array<{ ok: boolean; replaced?: boolean; values?: { rsi: number | null } }>;
      expect(steps.filter((s) => s.ok && s.replaced).length).toBe(300);
      expect(steps.filter((s) => !s.ok).length).toBe(2);
      expect(steps.some((s) => s.ok && s.values?.rsi !== null)).toBe(true);
    }
  });

  const node = Bun.which("node");
  test.skipIf(!node)(
    "the bundle under Node computes what the source computes under Bun",
    () => {
      expect(runUnder([node as string])).toEqual(expected);
    },
    RUNTIME_START_MS,
  );

  // Deno comes from npm (`npm install -g deno`, pinned in .ci/run); without it only this check is skipped.
  const deno = Bun.which("deno");
  test.skipIf(!deno)(
    "the bundle under Deno computes what the source computes under Bun",
    () => {
      expect(runUnder([deno as string, "run", "--no-prompt"])).toEqual(expected);
    },
    RUNTIME_START_MS,
  );
});
