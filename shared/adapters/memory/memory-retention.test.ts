import { describe, expect, test } from "bun:test";
import type { Batch } from "../../core/bus.ts";
import { textDecoder } from "../../core/bus.ts";
import { createLogger } from "../../core/log.ts";
import { waitFor } from "../../testing/integration.ts";
import { MemoryBus } from "./memory-bus.ts";
import { PartitionLog } from "./memory-partition-log.ts";

const messages = (from: number, count: number, key = "k") =>
  Array.from({ length: count }, (_, i) => ({ key, value: `m${from + i}` }));

/** A consumer that resolves `until(n)` once it has seen n messages, and checks offsets only grow. */
function counter() {
  let seen = 0;
  let lastOffset = -1;
  let monotonic = true;
  const offsets: number[] = [];
  let waiting: { n: number; resolve: () => void } | undefined;
  return {
    offsets,
    get seen() {
      return seen;
    },
    get monotonic() {
      return monotonic;
    },
    onBatch: async (batch: Batch) => {
      for (const m of batch.messages) {
        const offset = Number(m.offset);
        if (offset <= lastOffset) monotonic = false;
        lastOffset = offset;
        if (offsets.length < 100_000) offsets.push(offset);
      }
      seen += batch.messages.length;
      if (waiting && seen >= waiting.n) waiting.resolve();
    },
    until(n: number): Promise<void> {
      if (seen >= n) return Promise.resolve();
      const { promise, resolve } = Promise.withResolvers<void>();
      waiting = { n, resolve };
      return promise;
    },
  };
}

describe("MemoryBus retention", () => {
  test("1,000,000 messages through a group: memory stays bounded, offsets stay dense and monotonic", async () => {
    const bus = new MemoryBus();
    await bus.ensureTopics([{ name: "t", partitions: 2 }]);
    const a = counter();
    const b = counter();
    const subs = [
      await bus.subscribe({ groupId: "a", topics: ["t"], onBatch: a.onBatch }),
      await bus.subscribe({ groupId: "b", topics: ["t"], onBatch: b.onBatch }),
    ];
    let most = 0;
    const round = 10_000;
    for (let sent = 0; sent < 1_000_000; sent += round) {
      await bus.publish("t", [...messages(sent, round / 2, "x"), ...messages(sent, round / 2, "y")]);
      await Promise.all([a.until(sent + round), b.until(sent + round)]);
      most = Math.max(most, bus.retentionStats().retained);
    }
    await Promise.all(subs.map((s) => s.stop()));
    const stats = bus.retentionStats();
    // One round in flight plus at most one retention segment per partition.
    expect(most).toBeLessThanOrEqual(round + 2 * 1000);
    expect(stats.retained).toBeLessThanOrEqual(2 * 1000);
    expect(stats.droppedConsumed + stats.retained).toBe(1_000_000);
    expect(stats.droppedByCap).toBe(0);
    expect([a.seen, b.seen]).toEqual([1_000_000, 1_000_000]);
    expect(a.monotonic && b.monotonic).toBe(true);
    await bus.close();
  }, 60_000);

  test("a group lagging past the cap loses the oldest messages (logged, counted) and resumes at the log start", async () => {
    const lines: string[] = [];
    const logger = createLogger("info", {}, (line) => lines.push(line));
    const bus = new MemoryBus({ maxRetainedPerPartition: 1000, retentionSegment: 100, logger });
    await bus.ensureTopics([{ name: "t", partitions: 1 }]);
    const gate = Promise.withResolvers<void>();
    const slow = counter();
    const fast = counter();
    const subs = [
      await bus.subscribe({
        groupId: "slow",
        topics: ["t"],
        onBatch: async (batch) => {
          await gate.promise;
          await slow.onBatch(batch);
        },
      }),
      await bus.subscribe({ groupId: "fast", topics: ["t"], onBatch: fast.onBatch }),
    ];
    await bus.publish("t", messages(0, 1));
    await fast.until(1); // "slow" now holds offset 0 in flight
    const total = 5001;
    for (let i = 1; i < total; i += 500) {
      await bus.publish("t", messages(i, 500));
      await fast.until(i + 500);
    }
    const stats = bus.retentionStats();
    expect(stats.retained).toBeLessThanOrEqual(1000);
    expect(stats.droppedByCap).toBe(total - stats.retained);
    expect(stats.lostByLaggingGroups).toBeGreaterThan(0);
    const warning = lines.map((l) => JSON.parse(l)).find((l) => l.level === "warn");
    expect(warning?.lagging).toEqual([{ groupId: "slow", lost: expect.any(Number) }]);

    gate.resolve();
    await slow.until(1 + stats.retained);
    expect(slow.offsets[0]).toBe(0);
    expect(slow.offsets[1]).toBe(total - stats.retained);
    expect(slow.monotonic).toBe(true);
    expect(fast.seen).toBe(total);

    // A new group reading from the beginning starts at the log start, not at offset 0.
    const late = counter();
    const sub = await bus.subscribe({ groupId: "late", topics: ["t"], onBatch: late.onBatch });
    await late.until(stats.retained);
    expect(late.offsets[0]).toBe(total - stats.retained);
    await Promise.all([...subs, sub].map((s) => s.stop()));
    await bus.close();
  });

  test("a topic nobody consumes, and a stopped group, keep messages (up to the cap)", async () => {
    const bus = new MemoryBus({ maxRetainedPerPartition: 3000, retentionSegment: 10 });
    await bus.ensureTopics([{ name: "nobody" }, { name: "held" }]);
    await bus.publish("nobody", messages(0, 2000));
    expect(bus.retentionStats().retained).toBe(2000);
    expect(textDecoder.decode((await bus.readLatestByKey("nobody")).get("k"))).toBe("m1999");

    const early = counter();
    const other = counter();
    const first = await bus.subscribe({ groupId: "early", topics: ["held"], onBatch: early.onBatch });
    const second = await bus.subscribe({ groupId: "other", topics: ["held"], onBatch: other.onBatch });
    await bus.publish("held", messages(0, 100));
    await Promise.all([early.until(100), other.until(100)]);
    await first.stop();
    await bus.publish("held", messages(100, 100));
    await other.until(200);
    // "early" stopped at 100, so only what both groups consumed may go: 100 of "held" stay.
    await waitFor("held trimmed to early's position", () =>
      bus.retentionStats().retained === 2000 + 100 ? true : undefined,
    );
    await second.stop();
    await bus.close();
  });

  test("compacted topics are not capped; their latest values survive", async () => {
    const bus = new MemoryBus({ maxRetainedPerPartition: 10, retentionSegment: 5 });
    await bus.ensureTopics([{ name: "state", compacted: true }]);
    for (let round = 0; round < 3; round++)
      await bus.publish(
        "state",
        Array.from({ length: 100 }, (_, k) => ({ key: `s${k}`, value: `${round}` })),
      );
    const state = await bus.readLatestByKey("state");
    expect(state.size).toBe(100);
    expect(bus.retentionStats().droppedByCap).toBe(0);
    await bus.close();
  });
});

describe("PartitionLog truncation", () => {
  test("keeps offsets: reads below the start begin at the start; the direct index still works", () => {
    const log = new PartitionLog(false);
    for (let i = 0; i < 5000; i++) log.append("k", new Uint8Array([i % 256]), 0);
    expect(log.truncateBefore(3000)).toBe(3000);
    expect(log.truncateBefore(10)).toBe(0);
    expect([log.start, log.end, log.size]).toEqual([3000, 5000, 2000]);
    const offsets = (from: number) => log.read(from, 3).map((e) => e.offset);
    expect(offsets(0)).toEqual([3000, 3001, 3002]);
    expect(offsets(4998)).toEqual([4998, 4999]);
    expect(log.dropOldest(1500)).toBe(1500);
    expect(offsets(0)).toEqual([4500, 4501, 4502]);
    expect(log.all()[0]?.offset).toBe(4500);
    expect(log.dropOldest(10_000)).toBe(500);
    expect([log.start, log.size]).toEqual([5000, 0]);
    expect(log.append("k", null, 0)).toBe(5000);
  });
});
