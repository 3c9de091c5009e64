import { describe, expect, test } from "bun:test";
import { murmur2, partitionForKey } from "./partition-for-key.ts";

// kafkajs's own murmur2 is the reference: the in-memory bus must place keys where Kafka does.
// It is an untyped internal module, hence require with a declared shape.
const kafkajsMurmur2 = require("kafkajs/src/producer/partitioners/default/murmur2") as (
  key: string,
) => number;

describe("partitionForKey", () => {
  test("matches kafkajs's murmur2 for keys of every tail length", () => {
    const keys = [
      "",
      "a",
      "ab",
      "abc",
      "abcd",
      "BTCIRT",
      "ETHIRT",
      "USDTIRT",
      "SHIBIRT",
      "کلید",
      "x".repeat(101),
    ];
    for (let i = 0; i < 200; i++) keys.push(`key-${i}-${(i * 7919).toString(36)}`);
    for (const key of keys) expect(murmur2(new TextEncoder().encode(key))).toBe(kafkajsMurmur2(key));
  });

  test("is stable and within range", () => {
    for (const n of [1, 3, 12]) {
      const p = partitionForKey("BTCIRT", n);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(n);
      expect(partitionForKey("BTCIRT", n)).toBe(p);
    }
  });
});
