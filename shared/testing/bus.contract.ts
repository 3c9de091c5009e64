/**
 * The contract every `Bus` adapter passes (the semantics written in bus.ts). Registered by
 * memory-bus.test.ts and kafka-bus.integration.test.ts, so both adapters are held to one standard.
 * Every test uses its own topics and groups and polls with waitFor: Kafka rebalances take seconds.
 */
import { describe, expect, test } from "bun:test";
import { partitionForKey } from "../adapters/memory/partition-for-key.ts";
import type { Batch, Bus, ConsumedMessage, TopicPartition } from "../core/bus.ts";
import { textDecoder } from "../core/bus.ts";
import { uniqueName, waitFor } from "./integration.ts";

const text = (m: ConsumedMessage) => textDecoder.decode(m.value);
const id = (m: ConsumedMessage) => `${m.topic}/${m.partition}/${m.offset}`;
const tpId = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`;

/** Collects what a subscriber sees; `gate` (when set) holds onBatch until opened. */
function recorder() {
  const seen: ConsumedMessage[] = [];
  const batches: Batch[] = [];
  const assignments: TopicPartition[][] = [];
  const events: string[] = [];
  return {
    seen,
    batches,
    assignments,
    events,
    latest: () => assignments.at(-1) ?? [],
    onAssigned: (partitions: TopicPartition[]) => {
      assignments.push(partitions);
      events.push("assigned");
    },
    onBatch: async (batch: Batch) => {
      batches.push(batch);
      seen.push(...batch.messages);
      events.push("batch");
    },
  };
}

const settled = <T>(what: string, check: () => T | undefined) => waitFor(what, check, 45_000, 50);

export function busContract(name: string, makeBus: () => Promise<Bus>): void {
  const withBus = async (run: (bus: Bus) => Promise<void>) => {
    const bus = await makeBus();
    try {
      await run(bus);
    } finally {
      await bus.close();
    }
  };

  describe(`Bus contract: ${name}`, () => {
    test("messages of a key arrive in publish order, each key on its own stable partition", () =>
      withBus(async (bus) => {
        const topic = uniqueName("contract_order");
        await bus.ensureTopics([{ name: topic, partitions: 3 }]);
        const keys = Array.from({ length: 12 }, (_, i) => `K${i}`);
        for (let round = 0; round < 5; round++)
          await bus.publish(
            topic,
            keys.map((key) => ({ key, value: `${key}:${round}` })),
          );
        const r = recorder();
        const sub = await bus.subscribe({ groupId: uniqueName("g"), topics: [topic], ...r });
        await settled("all 60 messages", () => (r.seen.length >= 60 ? true : undefined));
        await sub.stop();
        expect(r.seen).toHaveLength(60);
        for (const key of keys) {
          const mine = r.seen.filter((m) => m.key === key);
          expect(mine.map(text)).toEqual([0, 1, 2, 3, 4].map((round) => `${key}:${round}`));
          // Same partition as Kafka's default partitioner: embedded and Kafka mode place keys alike.
          expect(new Set(mine.map((m) => m.partition))).toEqual(new Set([partitionForKey(key, 3)]));
        }
        for (const batch of r.batches) {
          const offsets = batch.messages.map((m) => BigInt(m.offset));
          expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
          expect(batch.messages.every((m) => m.partition === batch.partition && m.topic === topic)).toBe(
            true,
          );
        }
      }));

    test("onAssigned gets every partition of every topic before the first batch", () =>
      withBus(async (bus) => {
        const [a, b] = [uniqueName("contract_assign_a"), uniqueName("contract_assign_b")];
        await bus.ensureTopics([
          { name: a, partitions: 2 },
          { name: b, partitions: 1 },
        ]);
        await bus.publish(a, [{ key: "x", value: "1" }]);
        const r = recorder();
        const sub = await bus.subscribe({ groupId: uniqueName("g"), topics: [a, b], ...r });
        await settled("first batch", () => (r.batches.length > 0 ? true : undefined));
        await sub.stop();
        expect(r.events[0]).toBe("assigned");
        expect(r.assignments[0]?.map(tpId).sort()).toEqual([`${a}/0`, `${a}/1`, `${b}/0`].sort());
      }));

    test("offsets commit only after onBatch resolves; lag drops to 0 after consumption", () =>
      withBus(async (bus) => {
        const topic = uniqueName("contract_lag");
        await bus.ensureTopics([{ name: topic, partitions: 2 }]);
        await bus.publish(
          topic,
          Array.from({ length: 50 }, (_, i) => ({ key: `k${i % 7}`, value: String(i) })),
        );
        const gate = Promise.withResolvers<void>();
        let entered = 0;
        const sub = await bus.subscribe({
          groupId: uniqueName("g"),
          topics: [topic],
          onBatch: async () => {
            entered++;
            await gate.promise;
          },
        });
        await settled("a batch in flight", () => (entered > 0 ? true : undefined));
        // The batch is being processed but has not resolved: nothing is committed yet.
        expect(await sub.lag()).toBe(50);
        gate.resolve();
        await settled("lag 0", async () => ((await sub.lag()) === 0 ? true : undefined));
        await sub.stop();
      }));

    test("a throwing onBatch gets the same messages again (at-least-once), then moves on", () =>
      withBus(async (bus) => {
        const topic = uniqueName("contract_retry");
        await bus.ensureTopics([{ name: topic, partitions: 1 }]);
        await bus.publish(
          topic,
          ["a", "b", "c"].map((value) => ({ key: "k", value })),
        );
        const attempts: string[][] = [];
        const groupId = uniqueName("g");
        const sub = await bus.subscribe({
          groupId,
          topics: [topic],
          onBatch: async (batch) => {
            attempts.push(batch.messages.map(text));
            if (attempts.length <= 2) throw new Error("simulated failure");
          },
        });
        await settled("a successful attempt", () => (attempts.length >= 3 ? true : undefined));
        await settled("lag 0", async () => ((await sub.lag()) === 0 ? true : undefined));
        await sub.stop();
        expect(attempts[0]).toEqual(["a", "b", "c"]);
        expect(attempts[1]).toEqual(attempts[0] as string[]);
        expect(attempts.slice(2).flat()).toEqual(["a", "b", "c"]);

        // The success was committed: the same group resumes after it.
        await bus.publish(topic, [{ key: "k", value: "d" }]);
        const r = recorder();
        const again = await bus.subscribe({ groupId, topics: [topic], ...r });
        await settled("the new message", () => (r.seen.length > 0 ? true : undefined));
        await again.stop();
        expect(r.seen.map(text)).toEqual(["d"]);
      }));

    test("two subscribers of one group split the partitions and see every message exactly once", () =>
      withBus(async (bus) => {
        const topic = uniqueName("contract_split");
        await bus.ensureTopics([{ name: topic, partitions: 4 }]);
        const groupId = uniqueName("g");
        const [ra, rb] = [recorder(), recorder()];
        const a = await bus.subscribe({ groupId, topics: [topic], ...ra });
        const b = await bus.subscribe({ groupId, topics: [topic], ...rb });
        await settled("a split assignment", () => {
          const [pa, pb] = [ra.latest().map(tpId), rb.latest().map(tpId)];
          const union = new Set([...pa, ...pb]);
          return pa.length > 0 && pb.length > 0 && union.size === 4 && pa.length + pb.length === 4
            ? true
            : undefined;
        });
        const total = 200;
        await bus.publish(
          topic,
          Array.from({ length: total }, (_, i) => ({ key: `k${i % 20}`, value: String(i) })),
        );
        await settled("every message", () => (ra.seen.length + rb.seen.length >= total ? true : undefined));
        await Promise.all([a.stop(), b.stop()]);
        const all = [...ra.seen, ...rb.seen];
        expect(all).toHaveLength(total);
        expect(new Set(all.map(text)).size).toBe(total);
        // Each subscriber only saw its own partitions.
        const aParts = new Set(ra.latest().map((p) => p.partition));
        expect(ra.seen.every((m) => aParts.has(m.partition))).toBe(true);
        expect(rb.seen.every((m) => !aParts.has(m.partition))).toBe(true);
      }));

    test("a subscriber that stops hands its partitions to the other, losing nothing", () =>
      withBus(async (bus) => {
        const topic = uniqueName("contract_handover");
        await bus.ensureTopics([{ name: topic, partitions: 4 }]);
        const groupId = uniqueName("g");
        const [ra, rb] = [recorder(), recorder()];
        const a = await bus.subscribe({ groupId, topics: [topic], ...ra });
        const b = await bus.subscribe({ groupId, topics: [topic], ...rb });
        await settled("both assigned", () =>
          ra.latest().length > 0 && rb.latest().length > 0 && ra.latest().length + rb.latest().length === 4
            ? true
            : undefined,
        );
        const publishRange = (from: number, to: number) =>
          bus.publish(
            topic,
            Array.from({ length: to - from }, (_, i) => ({
              key: `k${(from + i) % 16}`,
              value: String(from + i),
            })),
          );
        await publishRange(0, 100);
        await settled("first half", () => (ra.seen.length + rb.seen.length >= 100 ? true : undefined));
        await b.stop();
        await publishRange(100, 200);
        const values = () => new Set([...ra.seen, ...rb.seen].map(text));
        await settled("second half at the remaining subscriber", () =>
          values().size >= 200 ? true : undefined,
        );
        await a.stop();
        expect(
          ra
            .latest()
            .map((p) => p.partition)
            .sort(),
        ).toEqual([0, 1, 2, 3]);
        for (let i = 0; i < 200; i++) expect(values().has(String(i))).toBe(true);
        // B stopped cleanly after committing, so nothing it handled was delivered twice.
        expect(new Set([...ra.seen, ...rb.seen].map(id)).size).toBe(ra.seen.length + rb.seen.length);
      }));

    test("a new group with fromBeginning sees the history; without it, only what comes later", () =>
      withBus(async (bus) => {
        const topic = uniqueName("contract_history");
        await bus.ensureTopics([{ name: topic, partitions: 2 }]);
        await bus.publish(
          topic,
          Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `old${i}` })),
        );
        const early = recorder();
        const first = await bus.subscribe({ groupId: uniqueName("g"), topics: [topic], ...early });
        await settled("history", () => (early.seen.length >= 10 ? true : undefined));
        await first.stop();

        const history = recorder();
        const late = recorder();
        const replay = await bus.subscribe({
          groupId: uniqueName("g"),
          topics: [topic],
          fromBeginning: true,
          ...history,
        });
        const tail = await bus.subscribe({
          groupId: uniqueName("g"),
          topics: [topic],
          fromBeginning: false,
          ...late,
        });
        await settled("history again", () => (history.seen.length >= 10 ? true : undefined));
        await settled("tail assigned", () => (late.assignments.length > 0 ? true : undefined));
        // Kafka resolves "latest" on the first fetch after the join, so keep publishing until one lands.
        let fresh = 0;
        await settled("a fresh message at the tail group", async () => {
          if (late.seen.length > 0) return true;
          await bus.publish(topic, [{ key: "k0", value: `new${fresh++}` }]);
          return undefined;
        });
        await Promise.all([replay.stop(), tail.stop()]);
        expect(
          history.seen
            .map(text)
            .filter((v) => v.startsWith("old"))
            .sort(),
        ).toEqual(early.seen.map(text).sort());
        expect(late.seen.every((m) => text(m).startsWith("new"))).toBe(true);
      }));

    test("readLatestByKey returns the latest value per key; tombstones delete (compacted topic)", () =>
      withBus(async (bus) => {
        const [compacted, plain, empty] = [
          uniqueName("contract_state"),
          uniqueName("contract_plain"),
          uniqueName("contract_empty"),
        ];
        await bus.ensureTopics([
          { name: compacted, partitions: 2, compacted: true },
          { name: plain, partitions: 1 },
          { name: empty, partitions: 1 },
        ]);
        await bus.publish(compacted, [
          { key: "BTCIRT", value: "v1" },
          { key: "ETHIRT", value: "e1" },
          { key: "GONE", value: "x" },
        ]);
        await bus.publish(compacted, [
          { key: "BTCIRT", value: "v2" },
          { key: "GONE", value: null },
        ]);
        await bus.publish(plain, [
          { key: "a", value: new Uint8Array([1, 2]) },
          { key: "a", value: new Uint8Array([3]) },
        ]);
        const state = await bus.readLatestByKey(compacted);
        expect(Object.fromEntries([...state].map(([k, v]) => [k, textDecoder.decode(v)]))).toEqual({
          BTCIRT: "v2",
          ETHIRT: "e1",
        });
        expect([...(await bus.readLatestByKey(plain))]).toEqual([["a", new Uint8Array([3])]]);
        expect((await bus.readLatestByKey(empty)).size).toBe(0);
      }));

    test("readLatestByKey with `replaces` keeps the value it prefers; tombstones still delete", () =>
      withBus(async (bus) => {
        const topic = uniqueName("contract_prefer");
        await bus.ensureTopics([{ name: topic, partitions: 1, compacted: true, minCompactionLagMs: 60_000 }]);
        // Numbers written out of order: the reader keeps the highest per key.
        await bus.publish(topic, [
          { key: "a", value: "3" },
          { key: "b", value: "1" },
          { key: "gone", value: "9" },
        ]);
        await bus.publish(topic, [
          { key: "a", value: "2" },
          { key: "b", value: "5" },
          { key: "gone", value: null },
        ]);
        const higher = (later: Uint8Array, kept: Uint8Array) =>
          Number(textDecoder.decode(later)) >= Number(textDecoder.decode(kept));
        const state = await bus.readLatestByKey(topic, { replaces: higher });
        expect(Object.fromEntries([...state].map(([k, v]) => [k, textDecoder.decode(v)]))).toEqual({
          a: "3",
          b: "5",
        });
        const plain = await bus.readLatestByKey(topic);
        expect(textDecoder.decode(plain.get("a"))).toBe("2");
      }));

    test("stop resolves only after the in-flight batch settled", () =>
      withBus(async (bus) => {
        const topic = uniqueName("contract_stop");
        await bus.ensureTopics([{ name: topic, partitions: 1 }]);
        await bus.publish(topic, [{ key: "k", value: "1" }]);
        const gate = Promise.withResolvers<void>();
        let entered = false;
        let finished = false;
        const sub = await bus.subscribe({
          groupId: uniqueName("g"),
          topics: [topic],
          onBatch: async () => {
            entered = true;
            await gate.promise;
            finished = true;
          },
        });
        await settled("batch in flight", () => (entered ? true : undefined));
        const stopped = sub.stop().then(() => finished);
        // Not a timing assertion: it only gives a stop() that does not wait the chance to resolve early.
        await Bun.sleep(50);
        gate.resolve();
        expect(await stopped).toBe(true);
      }));
  });
}
