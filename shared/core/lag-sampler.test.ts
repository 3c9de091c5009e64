import { expect, test } from "bun:test";
import { sampleLag } from "./lag-sampler.ts";
import { createLogger } from "./log.ts";

test("samples the lag into the gauge, skips a failed sample with a debug line, and stops when told", async () => {
  const lags = [
    () => Promise.resolve(7),
    () => Promise.reject(new Error("broker away")),
    () => Promise.resolve(3),
  ];
  let calls = 0;
  const lines: string[] = [];
  const recorded: number[] = [];
  let thirdSample: () => void = () => {};
  const third = new Promise<void>((resolve) => {
    thirdSample = resolve;
  });
  const stop = sampleLag(
    { lag: () => lags[calls++]?.() ?? new Promise<number>(() => {}) },
    (lag) => {
      recorded.push(lag);
      if (recorded.length === 2) thirdSample();
    },
    createLogger("debug", {}, (line) => lines.push(line)),
    5,
  );
  await third;
  stop();
  const callsAtStop = calls;
  await Bun.sleep(30);
  expect(recorded).toEqual([7, 3]);
  expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["lag sample failed"]);
  expect(calls).toBe(callsAtStop);
});
