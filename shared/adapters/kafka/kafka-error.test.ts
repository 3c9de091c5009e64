/**
 * Retriability of the errors kafkajs 2.2.4 raises while services start together with the broker,
 * built from kafkajs's own error classes and protocol error table (what the broker's codes become).
 */
import { describe, expect, test } from "bun:test";
import { ShamdanError } from "../../core/errors.ts";
import { isRetriableKafkaError, kafkaError, withoutExistingTopics } from "./kafka-error.ts";

interface ProtocolErrorDefinition {
  type: string;
  code: number;
  retriable: boolean;
  message: string;
}
// kafkajs's error classes as its code constructs them (its typings omit some classes and arguments),
// and its table of broker error codes.
type ErrorClass = new (...args: unknown[]) => Error;
const {
  KafkaJSAggregateError,
  KafkaJSConnectionError,
  KafkaJSCreateTopicError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} = require("kafkajs") as Record<
  | "KafkaJSAggregateError"
  | "KafkaJSConnectionError"
  | "KafkaJSCreateTopicError"
  | "KafkaJSNonRetriableError"
  | "KafkaJSNumberOfRetriesExceeded"
  | "KafkaJSProtocolError",
  ErrorClass
>;
const { createErrorFromCode } = require("kafkajs/src/protocol/error") as {
  createErrorFromCode(code: number): ProtocolErrorDefinition;
};

const protocol = (code: number) => new KafkaJSProtocolError(createErrorFromCode(code));
const createTopic = (code: number, topic: string) =>
  new KafkaJSCreateTopicError(createErrorFromCode(code), topic);
const aggregate = (...errors: Error[]) => new KafkaJSAggregateError("Topic creation errors", errors);

const UNKNOWN_TOPIC_OR_PARTITION = 3;
const LEADER_NOT_AVAILABLE = 5;
const TOPIC_ALREADY_EXISTS = 36;
const INVALID_REPLICATION_FACTOR = 38;

describe("isRetriableKafkaError", () => {
  test("a topic just created and not served yet, or without a leader yet, is retriable", () => {
    const notHosted = protocol(UNKNOWN_TOPIC_OR_PARTITION);
    expect(notHosted.message).toBe("This server does not host this topic-partition");
    expect(isRetriableKafkaError(notHosted)).toBe(true);
    expect(isRetriableKafkaError(protocol(LEADER_NOT_AVAILABLE))).toBe(true);
  });

  test("a broker that is not up yet is retriable, also once kafkajs gave up or wrapped it", () => {
    const refused = new KafkaJSConnectionError("connect ECONNREFUSED 127.0.0.1:9092");
    expect(isRetriableKafkaError(refused)).toBe(true);
    expect(
      isRetriableKafkaError(
        new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 10, retryTime: 10_000 }),
      ),
    ).toBe(true);
    expect(isRetriableKafkaError(new KafkaJSNonRetriableError(refused, { cause: refused }))).toBe(true);
  });

  test("a request the broker rejects is not retriable", () => {
    expect(isRetriableKafkaError(protocol(INVALID_REPLICATION_FACTOR))).toBe(false);
    expect(isRetriableKafkaError(new TypeError("x is undefined"))).toBe(false);
  });

  test("a createTopics aggregate is retriable only if every per-topic error is", () => {
    const retriable = aggregate(
      createTopic(LEADER_NOT_AVAILABLE, "a"),
      createTopic(UNKNOWN_TOPIC_OR_PARTITION, "b"),
    );
    expect(isRetriableKafkaError(retriable)).toBe(true);
    const mixed = aggregate(
      createTopic(LEADER_NOT_AVAILABLE, "a"),
      createTopic(INVALID_REPLICATION_FACTOR, "b"),
    );
    expect(isRetriableKafkaError(mixed)).toBe(false);
  });
});

describe("withoutExistingTopics", () => {
  test("topics another service created concurrently are success; only the rest decides", () => {
    expect(withoutExistingTopics(aggregate(createTopic(TOPIC_ALREADY_EXISTS, "a")))).toBeUndefined();
    expect(withoutExistingTopics(createTopic(TOPIC_ALREADY_EXISTS, "a"))).toBeUndefined();

    // TOPIC_ALREADY_EXISTS is non-retriable to kafkajs; next to a leader election it must not win.
    const mixed = aggregate(createTopic(TOPIC_ALREADY_EXISTS, "a"), createTopic(LEADER_NOT_AVAILABLE, "b"));
    expect(isRetriableKafkaError(mixed)).toBe(false);
    const rest = withoutExistingTopics(mixed);
    expect(rest).toBeInstanceOf(Error);
    expect(isRetriableKafkaError(rest)).toBe(true);
    expect(kafkaError("BUS_ENSURE_TOPICS_FAILED", "creating topics", rest).canRetry).toBe(true);

    const rejected = withoutExistingTopics(
      aggregate(createTopic(TOPIC_ALREADY_EXISTS, "a"), createTopic(INVALID_REPLICATION_FACTOR, "b")),
    );
    expect(isRetriableKafkaError(rejected)).toBe(false);
  });

  test("other errors pass through unchanged", () => {
    const refused = new KafkaJSConnectionError("connect ECONNREFUSED");
    expect(withoutExistingTopics(refused)).toBe(refused);
  });
});

describe("kafkaError", () => {
  test("keeps the code, the retry decision and, for an aggregate, each distinct reason once", () => {
    const error = kafkaError(
      "BUS_ENSURE_TOPICS_FAILED",
      "creating topics a,b",
      aggregate(createTopic(INVALID_REPLICATION_FACTOR, "a"), createTopic(INVALID_REPLICATION_FACTOR, "b")),
    );
    expect(error).toBeInstanceOf(ShamdanError);
    expect(error.code).toBe("BUS_ENSURE_TOPICS_FAILED");
    expect(error.canRetry).toBe(false);
    expect(error.message).toBe("creating topics a,b: KafkaJSCreateTopicError: Replication-factor is invalid");
    const typed = new ShamdanError("BUS_TOPIC_NOT_READY", "no leader yet");
    expect(kafkaError("BUS_READ_FAILED", "x", typed)).toBe(typed);
  });
});
