import { describe, expect, test } from "bun:test";
import type { FaultKind, FaultRates } from "./fake-faults.ts";
import { FaultSchedule } from "./fault-schedule.ts";

const ALL: FaultRates = {
  rate429: 0.01,
  rate5xx: 0.01,
  slowRate: 0.01,
  malformedRate: 0.01,
  invalidCandleRate: 0.01,
};

/** The faults of the first `n` requests, each reported served right away. */
function run(rates: FaultRates, seed: number, n: number, serve = (_kind: FaultKind) => true) {
  const schedule = new FaultSchedule(rates, seed);
  const requests: FaultKind[][] = [];
  for (let i = 0; i < n; i++) {
    const faults = [...schedule.next()];
    for (const kind of faults) if (serve(kind)) schedule.served(kind);
    requests.push(faults);
  }
  return { requests, owed: schedule.owed() };
}

describe("FaultSchedule", () => {
  test("every enabled kind fires within the first guaranteeWithin requests, for every seed", () => {
    for (let seed = 0; seed < 2000; seed++) {
      const { requests, owed } = run(ALL, seed, 20);
      expect(owed).toEqual([]);
      expect(new Set(requests.flat())).toEqual(
        new Set(["rate429", "upstream5xx", "slow", "malformed", "invalidCandle"]),
      );
    }
  });

  test("the same seed gives the same schedule; another seed another one", () => {
    const a = run({ ...ALL, rate5xx: 0.3 }, 7, 200).requests;
    expect(run({ ...ALL, rate5xx: 0.3 }, 7, 200).requests).toEqual(a);
    expect(run({ ...ALL, rate5xx: 0.3 }, 8, 200).requests).not.toEqual(a);
  });

  test("a guaranteed kind that did not reach the client is due, alone, on every request until it does", () => {
    let refusals = 5;
    const { requests, owed } = run(
      { malformedRate: 0.001, guaranteeWithin: 3 },
      1,
      12,
      () => refusals-- <= 0,
    );
    const forced = requests.findIndex((r) => r.length > 0);
    expect(forced).toBeLessThan(3);
    expect(requests.slice(forced, forced + 6)).toEqual(Array.from({ length: 6 }, () => ["malformed"]));
    expect(requests.slice(forced + 6).flat()).toEqual([]);
    expect(owed).toEqual([]);
  });

  test("disabled kinds never fire; rate 1 fires on every request", () => {
    const { requests } = run({ rate5xx: 1 }, 3, 50);
    expect(requests.every((r) => r.length === 1 && r[0] === "upstream5xx")).toBe(true);
    expect(run({}, 3, 50).requests.flat()).toEqual([]);
  });
});
