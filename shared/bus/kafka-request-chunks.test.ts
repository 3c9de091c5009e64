import { expect, test } from "bun:test";
import { kafkaRequestChunks, MAX_REQUEST_BYTES, MAX_REQUEST_MESSAGES } from "./kafka-request-chunks.ts";

test("splits under the byte limit, in order, nothing lost", () => {
  const messages = Array.from({ length: 25 }, (_, i) => ({ key: "K", value: `${i}`.padStart(100, "x") }));
  const chunks = kafkaRequestChunks(messages, { maxBytes: 1000 });
  expect(chunks.length).toBeGreaterThan(3);
  expect(chunks.every((c) => c.length >= 1 && c.length <= 6)).toBe(true);
  expect(chunks.flat()).toEqual(messages);
  expect(kafkaRequestChunks([])).toEqual([]);
});

test("caps messages per request and counts bytes, not characters", () => {
  const small = Array.from({ length: 2500 }, (_, i) => ({ key: "K", value: String(i) }));
  const sizes = kafkaRequestChunks(small).map((c) => c.length);
  expect(sizes.slice(0, -1).every((n) => n === MAX_REQUEST_MESSAGES)).toBe(true);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(2500);
  // 3 UTF-8 bytes per character: 400 characters are 1,200 bytes, over a 1,000-byte limit alone.
  const wide = [
    { key: "K", value: "€".repeat(400) },
    { key: "K", value: Buffer.alloc(10) },
  ];
  expect(kafkaRequestChunks(wide, { maxBytes: 1000 }).map((c) => c.length)).toEqual([1, 1]);
});

test("a message above the limit travels alone (the broker decides), the default limit is under 1 MiB", () => {
  const big = { key: "K", value: "x".repeat(2000) };
  const chunks = kafkaRequestChunks([{ key: "K", value: "a" }, big, { key: "K", value: "b" }], {
    maxBytes: 1000,
  });
  expect(chunks).toEqual([[{ key: "K", value: "a" }], [big], [{ key: "K", value: "b" }]]);
  expect(MAX_REQUEST_BYTES).toBeLessThan(1024 * 1024);
});
