import { expect, test } from "bun:test";
import type { Message } from "kafkajs";
import { mulberry32 } from "../../core/prng.ts";
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

test("measuring by upper bounds first splits exactly as measuring every message exactly", () => {
  // The plain rule: exact UTF-8 bytes of every key and value (+70 framing).
  const reference = (messages: Message[], maxBytes: number, maxMessages: number) => {
    const size = (v: Message["value"] | Message["key"]) =>
      v === null || v === undefined ? 0 : typeof v === "string" ? Buffer.byteLength(v) : v.byteLength;
    const chunks: Message[][] = [];
    let chunk: Message[] = [];
    let bytes = 0;
    for (const m of messages) {
      const s = size(m.key) + size(m.value) + 70;
      if (chunk.length > 0 && (bytes + s > maxBytes || chunk.length >= maxMessages)) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(m);
      bytes += s;
    }
    if (chunk.length > 0) chunks.push(chunk);
    return chunks;
  };
  const rnd = mulberry32(7);
  const texts = ["a", "€", "😀", "x".repeat(40), "ریال"];
  for (let run = 0; run < 300; run++) {
    const messages: Message[] = Array.from({ length: Math.floor(rnd() * 60) }, () => {
      const r = rnd();
      const text = Array.from(
        { length: Math.floor(rnd() * 30) },
        () => texts[Math.floor(rnd() * texts.length)],
      ).join("");
      return { key: rnd() < 0.5 ? "K" : "€€", value: r < 0.1 ? null : r < 0.3 ? Buffer.from(text) : text };
    });
    const maxBytes = 200 + Math.floor(rnd() * 3000);
    const maxMessages = 1 + Math.floor(rnd() * 20);
    expect(kafkaRequestChunks(messages, { maxBytes, maxMessages })).toEqual(
      reference(messages, maxBytes, maxMessages),
    );
  }
});
