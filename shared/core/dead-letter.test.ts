import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { type ConsumedMessage, textDecoder } from "./bus.ts";
import { deadLetterFor, MAX_DEAD_LETTER_BYTES } from "./dead-letter.ts";
import type { DeadLetter } from "./messages.ts";

const consumed = (value: Uint8Array, key: string | null = "AAA"): ConsumedMessage => ({
  topic: "aaa_topic",
  partition: 2,
  offset: "41",
  key,
  value,
  timestamp: 0,
});

const letterOf = (value: string | Uint8Array | null): DeadLetter =>
  JSON.parse(typeof value === "string" ? value : textDecoder.decode(value ?? new Uint8Array()));

describe("deadLetterFor", () => {
  test("a small message is kept whole, with its length, hash and source", () => {
    const original = new TextEncoder().encode('{"oops"');
    const out = deadLetterFor("processor", consumed(original), "not JSON");
    expect(out.key).toBe("aaa_topic:2");
    const letter = letterOf(out.value);
    expect(letter).toMatchObject({
      v: 1,
      reason: "not JSON",
      service: "processor",
      source: { topic: "aaa_topic", partition: 2, offset: "41", key: "AAA" },
      originalBytes: original.byteLength,
      truncated: false,
      originalSha256: createHash("sha256").update(original).digest("hex"),
    });
    expect(Buffer.from(letter.originalBase64, "base64")).toEqual(Buffer.from(original));
  });

  test("a 5 MB message gives a letter under the bound: a prefix of the original, its full length and hash", () => {
    const original = new Uint8Array(5 * 1024 * 1024);
    for (let i = 0; i < original.length; i++) original[i] = (i * 31 + 7) & 0xff;
    const hugeKey = "K".repeat(200_000);
    const out = deadLetterFor("sink", consumed(original, hugeKey), `schema: ${"x".repeat(100_000)}`);
    const bytes = Buffer.byteLength(out.value as string);
    expect(bytes).toBeLessThanOrEqual(MAX_DEAD_LETTER_BYTES);
    // Nearly all of the bound is used for the original, not wasted.
    expect(bytes).toBeGreaterThan(MAX_DEAD_LETTER_BYTES - 16);
    const letter = letterOf(out.value);
    expect(letter.truncated).toBe(true);
    expect(letter.originalBytes).toBe(original.byteLength);
    expect(letter.originalSha256).toBe(createHash("sha256").update(original).digest("hex"));
    const prefix = Buffer.from(letter.originalBase64, "base64");
    expect(prefix.byteLength).toBeGreaterThan(300 * 1024);
    expect(prefix).toEqual(Buffer.from(original.subarray(0, prefix.byteLength)));
    expect(letter.reason.length).toBeLessThan(5000);
    expect(letter.source.key?.startsWith("KKK")).toBe(true);
    expect(letter.source.key?.length).toBeLessThan(1100);
  });

  test("the largest message kept whole and the next larger one (truncated) both stay under the bound", () => {
    const bound = 4096;
    // The largest original that fits: every byte of it must be kept, and one more must truncate.
    let n = 1;
    while (!letterOf(deadLetterFor("p", consumed(new Uint8Array(n + 1)), "r", bound).value).truncated) n++;
    const whole = letterOf(deadLetterFor("p", consumed(new Uint8Array(n)), "r", bound).value);
    expect(whole.truncated).toBe(false);
    expect(Buffer.from(whole.originalBase64, "base64").byteLength).toBe(n);
    const cut = deadLetterFor("p", consumed(new Uint8Array(n + 1)), "r", bound);
    expect(Buffer.byteLength(cut.value as string)).toBeLessThanOrEqual(bound);
    expect(n).toBeGreaterThan(2500);
  });
});
