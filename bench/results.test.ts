import { afterEach, describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { benchResults, clearFigures, collectedFigures, nestFigures, report } from "./results.ts";

afterEach(clearFigures);

describe("bench result collector", () => {
  test("reported figures come back as nested numbers beside the machine and the date", () => {
    report("indicators.ratioVsTradingSignals", 5.2);
    report("indicators.ratioToFused", 2.7);
    report("api.uncached.summarizeP99Ms", 41);
    const results = benchResults(new Date("2026-01-02T03:04:05Z"));
    expect(results.indicators).toEqual({ ratioVsTradingSignals: 5.2, ratioToFused: 2.7 });
    expect(results.api).toEqual({ uncached: { summarizeP99Ms: 41 } });
    expect(results.date).toBe("2026-01-02T03:04:05.000Z");
    expect(results.machine.cores).toBe(availableParallelism());
    expect(results.machine.bun).toBe(Bun.version);
    expect(results.machine.memoryGb).toBeGreaterThan(0);
    // Through JSON and back, the figures stay numbers.
    const parsed = JSON.parse(JSON.stringify(results));
    expect(typeof parsed.indicators.ratioToFused).toBe("number");
  });

  test("a figure reported twice keeps the last value; clearing starts a new run", () => {
    report("seed.engineFlatness", 1.3);
    report("seed.engineFlatness", 1.01);
    expect(collectedFigures()).toEqual({ "seed.engineFlatness": 1.01 });
    clearFigures();
    expect(collectedFigures()).toEqual({});
  });

  test("non-numbers, ungrouped keys and keys that clash with date or machine are refused", () => {
    expect(() => report("seed.speedupAt10k", Number.NaN)).toThrow("not a finite number");
    expect(() => report("seed.speedupAt10k", Number.POSITIVE_INFINITY)).toThrow("not a finite number");
    expect(() => report("ratio", 1)).toThrow("bad figure key");
    expect(() => report("machine.cores", 4)).toThrow("bad figure key");
    expect(() => report("seed..x", 1)).toThrow("bad figure key");
  });

  test("a key that is both a figure and a group is an error, in either order", () => {
    expect(() => nestFigures({ "api.cached": 1, "api.cached.summarizeP50Ms": 2 })).toThrow("collides");
    expect(() => nestFigures({ "api.cached.summarizeP50Ms": 2, "api.cached": 1 })).toThrow("collides");
  });
});
