import { describe, expect, test } from "bun:test";
import { startUnlessStopped } from "./until-signal.ts";

const never = new Promise<NodeJS.Signals>(() => {});

describe("startUnlessStopped", () => {
  test("a start that finishes first is returned; nothing is aborted", async () => {
    let aborted = false;
    const started = await startUnlessStopped(
      Promise.resolve("running"),
      never,
      () => {
        aborted = true;
      },
      async () => {},
    );
    expect(started).toBe("running");
    expect(aborted).toBe(false);
  });

  test("a start that fails first throws (the command decides the exit code)", async () => {
    const failing = startUnlessStopped(
      Promise.reject(new Error("rejected")),
      never,
      () => {},
      async () => {},
    );
    await expect(failing).rejects.toThrow("rejected");
  });

  test("a signal during the start aborts it, ignores the failure the abort causes, and returns undefined", async () => {
    const start = Promise.withResolvers<string>();
    const signal = Promise.withResolvers<NodeJS.Signals>();
    const result = startUnlessStopped(
      start.promise,
      signal.promise,
      () => start.reject(new Error("BUS_CLOSED")),
      async () => {},
    );
    signal.resolve("SIGTERM");
    expect(await result).toBeUndefined();
  });

  test("a start that completes anyway after the signal is stopped", async () => {
    const start = Promise.withResolvers<string>();
    const signal = Promise.withResolvers<NodeJS.Signals>();
    const stopped: string[] = [];
    const result = startUnlessStopped(
      start.promise,
      signal.promise,
      () => start.resolve("late service"),
      async (late) => {
        stopped.push(late);
      },
    );
    signal.resolve("SIGINT");
    expect(await result).toBeUndefined();
    expect(stopped).toEqual(["late service"]);
  });
});
