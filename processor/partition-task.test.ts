import { describe, expect, test } from "bun:test";
import type { ConsumedMessage } from "@shamdan/shared/bus/bus";
import { loadConfig, topicFor } from "@shamdan/shared/config";
import { engineSettings } from "@shamdan/shared/indicators/engine";
import * as v from "valibot";
import { PartitionStateSchema, PartitionTask } from "./partition-task.ts";

const config = loadConfig({}, { SYMBOLS: "AAA" });
const settings = engineSettings(config);
const topic = topicFor(config, "AAA");
const topicOf = (symbol: string) => topicFor(config, symbol);

const messages: ConsumedMessage[] = Array.from({ length: 60 }, (_, i) => {
  const close = 100 + Math.sin(i / 3) * 5 + i / 10;
  const candle = {
    v: 1,
    symbol: "AAA",
    resolution: "1",
    openTime: i * 60_000,
    open: close - 0.3,
    high: close + 1,
    low: close - 1,
    close,
    volume: i / 3,
    fetchedAt: i,
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

  test("a snapshot with other indicator settings is refused", () => {
    const task = new PartitionTask(settings, topic, 0, topicOf);
    task.process(messages.slice(0, 10));
    const other = engineSettings(loadConfig({}, { SMA_PERIOD: "7" }));
    expect(() => new PartitionTask(other, topic, 0, topicOf, roundTrip(task))).toThrow("settings changed");
  });
});
