import { expect, test } from "bun:test";
import type { Bus, OutgoingMessage } from "@shamdan/shared/bus/bus";
import { publishChunked } from "./publish-chunked.ts";

test("splits into requests under the byte limit, in order, nothing lost", async () => {
  const requests: OutgoingMessage[][] = [];
  const bus = {
    publish: async (_topic: string, messages: OutgoingMessage[]) => void requests.push(messages),
  } as unknown as Bus;
  const messages = Array.from({ length: 25 }, (_, i) => ({ key: "K", value: `${i}`.padStart(100, "x") }));
  await publishChunked(bus, "t", messages, 1000);
  expect(requests.length).toBeGreaterThan(3);
  expect(requests.every((r) => r.length >= 1 && r.length <= 6)).toBe(true);
  expect(requests.flat()).toEqual(messages);
  requests.length = 0;
  await publishChunked(bus, "t", [], 1000);
  expect(requests).toEqual([]);
});
