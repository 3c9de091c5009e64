/**
 * kafkajs 2.2.4 is installed with a patch (patches/kafkajs@2.2.4.patch, applied by `bun install`):
 * - its request queue re-armed a 1 ms timer forever on every broker connection, busy or idle, even
 *   with nothing to send (a CPU cost in every service, and Node's TimeoutNegativeWarning);
 * - its producer grouped a batch's messages by partition by copying the partition's array for each
 *   message, quadratic in the batch (a backfill's batches hold tens of thousands of messages).
 * These tests fail on the unpatched package.
 */
import { describe, expect, test } from "bun:test";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

type Message = { key: string; value: string };
const groupMessagesPerPartition = require("kafkajs/src/producer/groupMessagesPerPartition.js") as (args: {
  topic: string;
  partitionMetadata: { partitionId: number }[];
  messages: Message[];
  partitioner: (args: { message: Message }) => number;
}) => Record<number, Message[]>;

const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as new (
  options: Record<string, unknown>,
) => { checkPendingRequests(): void; throttleCheckTimeoutId: unknown; pending: unknown[] };

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

describe("kafkajs as patched", () => {
  test("an idle request queue arms no timer", () => {
    const queue = new RequestQueue({
      maxInFlightRequests: null,
      requestTimeout: 30_000,
      enforceRequestTimeout: true,
      clientId: "test",
      broker: "127.0.0.1:9092",
      logger: silentLogger,
    });
    queue.checkPendingRequests();
    expect(queue.pending).toHaveLength(0);
    // Unpatched, this is a 1 ms timer that re-arms itself on every run.
    expect(queue.throttleCheckTimeoutId ?? null).toBeNull();
  });

  test("a batch is grouped by partition in order, in one pass", () => {
    // 200,000 messages in one partition: the unpatched grouping copies ~2e10 array slots (minutes).
    const messages = Array.from({ length: 200_000 }, (_, i) => ({ key: `k${i % 3}`, value: String(i) }));
    let calls = 0;
    const grouped = groupMessagesPerPartition({
      topic: "t",
      partitionMetadata: [{ partitionId: 0 }, { partitionId: 1 }],
      messages,
      partitioner: ({ message }) => {
        calls++;
        return message.key === "k2" ? 1 : 0;
      },
    });
    expect(calls).toBe(messages.length);
    expect(Object.keys(grouped)).toEqual(["0", "1"]);
    expect(grouped[0]).toEqual(messages.filter((m) => m.key !== "k2"));
    expect(grouped[1]).toEqual(messages.filter((m) => m.key === "k2"));
    expect(
      groupMessagesPerPartition({ topic: "t", partitionMetadata: [], messages, partitioner: () => 0 }),
    ).toEqual({});
  });
});
