import { expect, test } from "bun:test";
import { Partitioners, type PartitionMetadata } from "kafkajs";
import { mulberry32 as prng } from "../../core/prng.ts";
import { CachedKeyPartitioner } from "./kafka-partitioner.ts";

const metadata = (n: number, leaderless = -1): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: partitionId === leaderless ? -1 : 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));

test("gives DefaultPartitioner's partition for every key and partition count, also when asked again", () => {
  const rnd = prng(7);
  const cached = CachedKeyPartitioner();
  const reference = Partitioners.DefaultPartitioner();
  const keys = Array.from({ length: 300 }, (_, i) =>
    i % 3 === 0 ? `SYM${i}` : Math.floor(rnd() * 1e12).toString(36) + "é".repeat(i % 4),
  );
  for (let round = 0; round < 3; round++)
    for (const key of keys) {
      const n = 1 + Math.floor(rnd() * 24);
      const args = {
        topic: "t",
        partitionMetadata: metadata(n, n > 1 ? 0 : -1),
        message: { key, value: "v" },
      };
      expect(cached(args)).toBe(reference(args));
    }
});

test("an explicit partition wins; Buffer keys and keyless messages use the default rules", () => {
  const cached = CachedKeyPartitioner();
  const partitionMetadata = metadata(8);
  expect(cached({ topic: "t", partitionMetadata, message: { key: "K", value: "v", partition: 5 } })).toBe(5);
  const reference = Partitioners.DefaultPartitioner();
  const buffer = { topic: "t", partitionMetadata, message: { key: Buffer.from("BTCIRT"), value: "v" } };
  expect(cached(buffer)).toBe(reference(buffer));
  const keyless = cached({ topic: "t", partitionMetadata, message: { value: "v" } });
  expect(keyless).toBeGreaterThanOrEqual(0);
  expect(keyless).toBeLessThan(8);
});
