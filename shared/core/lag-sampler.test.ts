import { expect, test } from "bun:test";
import { sampleLag, watchConsumer } from "./lag-sampler.ts";
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
    {
      set: (lag: number) => {
        recorded.push(lag);
        if (recorded.length === 2) thirdSample();
      },
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

test("a watched consumer stops once: the subscription is stopped and the stop logged a single time", async () => {
  let stops = 0;
  const lines: string[] = [];
  const consumer = watchConsumer(
    { lag: async () => 0, stop: async () => void stops++ },
    {
      gauge: { set: () => {} },
      logger: createLogger("info", {}, (l) => lines.push(l)),
      stoppedMessage: "sink stopped",
    },
  );
  expect(consumer.stopping()).toBe(false);
  await Promise.all([consumer.stop(), consumer.stop()]);
  await consumer.stop();
  expect([consumer.stopping(), stops]).toEqual([true, 1]);
  expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["sink stopped"]);
});
