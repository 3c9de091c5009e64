import { describe, expect, test } from "bun:test";
import { textDecoder } from "../../core/bus.ts";
import { ShamdanError } from "../../core/errors.ts";
import { busContract } from "../../testing/bus.contract.ts";
import { waitFor } from "../../testing/integration.ts";
import { MemoryBus } from "./memory-bus.ts";

busContract("memory", async () => new MemoryBus({ retryBackoffMs: { initial: 10, max: 100 } }));

describe("MemoryBus specifics", () => {
  test("publishing to or subscribing to a missing topic fails with BUS_UNKNOWN_TOPIC", async () => {
    const bus = new MemoryBus();
    const failure = await bus.publish("nope", [{ key: "k", value: "v" }]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ShamdanError);
    expect((failure as ShamdanError).code).toBe("BUS_UNKNOWN_TOPIC");
    expect(bus.subscribe({ groupId: "g", topics: ["nope"], onBatch: async () => {} })).rejects.toThrow(
      /does not exist/,
    );
    await bus.close();
    expect(bus.publish("nope", [])).rejects.toThrow(/closed/);
  });

  test("five one-partition topics spread 3 + 2 over two subscribers", async () => {
    const bus = new MemoryBus();
    const topics = ["a", "b", "c", "d", "e"];
    await bus.ensureTopics(topics.map((name) => ({ name })));
    const seen: number[][] = [[], []];
    const subs = await Promise.all(
      [0, 1].map((i) =>
        bus.subscribe({
          groupId: "g",
          topics,
          onBatch: async () => {},
          onAssigned: (p) => {
            seen[i] = p.map((x) => x.partition);
          },
        }),
      ),
    );
    await waitFor("both assigned", () => (seen[0]?.length === 3 && seen[1]?.length === 2 ? true : undefined));
    await Promise.all(subs.map((s) => s.stop()));
    await bus.close();
  });

  test("a failing partition backs off without holding up the others", async () => {
    const bus = new MemoryBus({ retryBackoffMs: { initial: 5, max: 20 } });
    await bus.ensureTopics([{ name: "t", partitions: 12 }]);
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
    await bus.publish(
      "t",
      keys.map((key) => ({ key, value: key })),
    );
    const poisoned = 0;
    let poisonAttempts = 0;
    const ok = new Set<string>();
    const sub = await bus.subscribe({
      groupId: "g",
      topics: ["t"],
      onBatch: async (batch) => {
        if (batch.partition === poisoned && poisonAttempts++ < 4) throw new Error("poison");
        for (const m of batch.messages) ok.add(textDecoder.decode(m.value));
      },
    });
    await waitFor("every key", () => (ok.size === keys.length ? true : undefined));
    expect(poisonAttempts).toBe(5);
    expect(await sub.lag()).toBe(0);
    await bus.close();
  });

  test("a compacted topic keeps offsets and the latest value per key through compaction", async () => {
    const bus = new MemoryBus();
    await bus.ensureTopics([{ name: "state", compacted: true }]);
    for (let round = 0; round < 50; round++)
      await bus.publish(
        "state",
        Array.from({ length: 100 }, (_, k) => ({ key: `s${k}`, value: `${round}` })),
      );
    const state = await bus.readLatestByKey("state");
    expect(state.size).toBe(100);
    expect([...state.values()].every((v) => textDecoder.decode(v) === "49")).toBe(true);
    const offsets: string[] = [];
    const sub = await bus.subscribe({
      groupId: "g",
      topics: ["state"],
      onBatch: async (b) => {
        offsets.push(...b.messages.map((m) => m.offset));
      },
    });
    await waitFor("the compacted log", async () => ((await sub.lag()) === 0 ? true : undefined));
    expect(offsets.length).toBeLessThan(5000);
    expect(offsets.at(-1)).toBe("4999");
    await bus.close();
  });
});

describe("MemoryBus retry timing", () => {
  /**
   * A clock that moves 1 ms each time it is read: whatever the consumer loop does between two reads,
   * time has passed. A retry that becomes due between the loop's "is it ready?" and "how long may I
   * sleep?" must still be delivered. `extraReads` shifts which read lands on the retry's due time.
   */
  async function redeliveredWithSteppingClock(extraReads: number): Promise<number> {
    const realNow = Date.now;
    let t = realNow();
    Date.now = () => ++t;
    const bus = new MemoryBus({ retryBackoffMs: { initial: 4, max: 4 } });
    let calls = 0;
    try {
      await bus.ensureTopics([{ name: "t" }]);
      await bus.subscribe({
        groupId: "g",
        topics: ["t"],
        onBatch: async () => {
          calls++;
          for (let i = 0; i < extraReads; i++) Date.now();
          if (calls === 1) throw new Error("first delivery fails");
        },
      });
      await bus.publish("t", [{ key: "k", value: "v" }]);
      const deadline = performance.now() + 2000;
      while (calls < 2 && performance.now() < deadline) await Bun.sleep(5);
      return calls;
    } finally {
      Date.now = realNow;
      await bus.close();
    }
  }

  test("a failed batch is delivered again even when its retry falls due between the loop's two clock reads", async () => {
    for (const extraReads of [0, 1, 2, 3]) expect(await redeliveredWithSteppingClock(extraReads)).toBe(2);
  });
});
