import { describe, expect, test } from "bun:test";
import { keyDecoder } from "./kafka-subscription.ts";

describe("keyDecoder", () => {
  test("gives each key's own text, whether it repeats the previous key or not", () => {
    const keys = ["ETHBTC", "ETHBTC", "BTCIRT", null, "BTCIRT", "ETHBTC", "", "تومان", "تومان", "ETHBTC"];
    const decode = keyDecoder();
    const texts = keys.map((key) => decode(key === null ? null : Buffer.from(key)));
    expect(texts).toEqual(keys);
  });

  test("invalid UTF-8 decodes as Buffer.toString does", () => {
    const bytes = Buffer.from([0x41, 0xff, 0x42]);
    const decode = keyDecoder();
    expect(decode(bytes)).toBe(bytes.toString("utf8"));
    expect(decode(Buffer.from(bytes))).toBe(bytes.toString("utf8"));
  });
});
