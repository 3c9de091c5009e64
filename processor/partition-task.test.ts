import { describe, expect, test } from "bun:test";
import type { ConsumedMessage } from "@shamdan/shared/core/bus";
import { loadConfig, topicFor } from "@shamdan/shared/core/config";
import { engineSettings } from "@shamdan/shared/core/engine-settings";
import * as v from "valibot";
import { PartitionStateSchema, PartitionTask } from "./partition-task.ts";

const config = loadConfig({}, { SYMBOLS: "AAA" });
const settings = engineSettings(config);
const topic = topicFor(config, "AAA");
const topicOf = (symbol: string) => topicFor(config, symbol);

/** A plausible candle time (the processor refuses open times before 2010). */
const BASE = Date.UTC(2024, 0, 1);

const messages: ConsumedMessage[] = Array.from({ length: 60 }, (_, i) => {
  const close = 100 + Math.sin(i / 3) * 5 + i / 10;
  const candle = {
    v: 1,
    symbol: "AAA",
    resolution: "1",
    openTime: BASE + i * 60_000,
    open: close - 0.3,
    high: close + 1,
    low: close - 1,
    close,
    volume: i / 3,
    fetchedAt: BASE + i * 60_000 + 1000,
  };
  return {
    topic,
    partition: 0,
    offset: String(i),
    key: "AAA",
    value: new TextEncoder().encode(JSON.stringify(candle)),
    timestamp: 0,
  };
});

/** The snapshot as it travels through the changelog (JSON), so restore sees exactly what a replica would. */
const roundTrip = (task: PartitionTask) =>
  v.parse(PartitionStateSchema, JSON.parse(JSON.stringify(task.snapshot())));

describe("PartitionTask", () => {
  test("restore from a snapshot continues exactly like an uninterrupted task", () => {
    const whole = new PartitionTask(settings, topic, 0, topicOf).process(messages).rows;
    const first = new PartitionTask(settings, topic, 0, topicOf);
    const head = first.process(messages.slice(0, 25)).rows;
    const second = new PartitionTask(settings, topic, 0, topicOf, roundTrip(first));
    expect(second.expectedOffset).toBe(25n);
    const tail = second.process(messages.slice(25)).rows;
    expect([...head, ...tail]).toEqual(whole);
    expect(whole.filter((r) => r.rsi !== null).length).toBeGreaterThan(40);
  });

  test("messages already reflected in the state (offset < nextOffset) are skipped, not re-applied", () => {
    const whole = new PartitionTask(settings, topic, 0, topicOf).process(messages).rows;
    const crashed = new PartitionTask(settings, topic, 0, topicOf);
    crashed.process(messages.slice(0, 40));
    // State published up to 40, but the group committed only 30: 30..39 are delivered again.
    const resumed = new PartitionTask(settings, topic, 0, topicOf, roundTrip(crashed));
    const result = resumed.process(messages.slice(30));
    expect(result.skipped).toBe(10);
    expect(result.rows).toEqual(whole.slice(40));
  });

  test("a batch of only skipped messages changes nothing (no state to publish)", () => {
    const task = new PartitionTask(settings, topic, 0, topicOf);
    task.process(messages.slice(0, 10));
    const again = task.process(messages.slice(0, 10));
    expect(again).toMatchObject({ skipped: 10, changed: false, rows: [] });
  });

  test("an implausible candle (1970 open time, absurd price) is dead-lettered and counted; state is untouched", () => {
    const whole = new PartitionTask(settings, topic, 0, topicOf).process(messages.slice(0, 30)).rows;
    const candle = JSON.parse(new TextDecoder().decode(messages[10]?.value));
    const bad = [
      { ...candle, openTime: 600_000 },
      { ...candle, openTime: Date.now() + 3 * 24 * 60 * 60 * 1000 },
      { ...candle, high: 1e20, close: 1e20 },
    ].map((c, i) => ({
      ...(messages[0] as ConsumedMessage),
      offset: String(100 + i),
      value: new TextEncoder().encode(JSON.stringify(c)),
    }));
    // The implausible ones arrive between candles 19 and 20; the valid ones' offsets still rise.
    const input = [
      ...messages.slice(0, 20),
      ...bad.map((m, i) => ({ ...m, offset: String(20 + i) })),
      ...messages.slice(20, 30).map((m, i) => ({ ...m, offset: String(23 + i) })),
    ];
    const result = new PartitionTask(settings, topic, 0, topicOf).process(input);
    expect(result.rows).toEqual(whole);
    expect(result.rejected).toEqual([{ reason: "implausible", count: 3 }]);
    const letters = result.deadLetters.map((l) => JSON.parse(String(l.value)));
    expect(letters.map((l) => l.reason)).toEqual([
      expect.stringContaining("before 2010-01-01"),
      expect.stringContaining("more than a day ahead"),
      expect.stringContaining("absurd value"),
    ]);
    expect(letters.map((l) => l.source.offset)).toEqual(["20", "21", "22"]);
  });

  test("a snapshot with other indicator settings is refused", () => {
    const task = new PartitionTask(settings, topic, 0, topicOf);
    task.process(messages.slice(0, 10));
    const other = engineSettings(loadConfig({}, { SMA_PERIOD: "7" }));
    expect(() => new PartitionTask(other, topic, 0, topicOf, roundTrip(task))).toThrow("settings changed");
  });
});
