/**
 * The bus's "waiting for Kafka" logging: one line when the first operation has to wait, one when the
 * last one got through, nothing per attempt (also not kafkajs's own reconnect errors, see quiet).
 */
import { describe, expect, test } from "bun:test";
import { createLogger } from "../../core/log.ts";
import { KafkaAvailability } from "./kafka-availability.ts";

function capture() {
  const lines: { level: string; msg: string; [field: string]: unknown }[] = [];
  const logger = createLogger("debug", {}, (line) => lines.push(JSON.parse(line)));
  const above = (level: string) =>
    lines.filter((l) => l.level !== "debug" && (level === "info" || l.level === level));
  return { logger, lines, above };
}

describe("KafkaAvailability", () => {
  test("many failed attempts of one operation log one warning, its success one info with the time waited", () => {
    const { logger, above } = capture();
    let now = 1000;
    const availability = new KafkaAvailability(logger, () => now);
    const op = {};
    expect(availability.quiet).toBe(true);
    for (let attempt = 0; attempt < 20; attempt++) {
      availability.failed(op, "creating topics a", new Error("connect ECONNREFUSED"));
      now += 500;
    }
    expect(availability.waiting).toBe(true);
    availability.reached(op);
    expect(above("info")).toEqual([
      expect.objectContaining({
        level: "warn",
        msg: "waiting for Kafka: creating topics a",
        error: "Error: connect ECONNREFUSED",
      }),
      expect.objectContaining({ level: "info", msg: "Kafka reachable again", waitedMs: 10_000 }),
    ]);
    expect(availability.waiting).toBe(false);
    expect(availability.quiet).toBe(false);
  });

  test("overlapping operations: waiting starts with the first and ends with the last", () => {
    const { logger, above } = capture();
    const availability = new KafkaAvailability(logger);
    const [topics, subscribe] = [{}, {}];
    availability.failed(topics, "creating topics", "no answer");
    availability.failed(subscribe, "subscribing group g", "does not host this topic-partition");
    availability.reached(topics);
    expect(availability.waiting).toBe(true);
    availability.failed(topics, "creating topics", "no answer");
    availability.reached(subscribe);
    availability.reached(topics);
    expect(above("info").map((l) => l.msg)).toEqual([
      "waiting for Kafka: creating topics",
      "Kafka reachable again",
    ]);
  });

  test("an operation that succeeds at once logs nothing; one that gives up ends the wait without claiming Kafka is back", () => {
    const { logger, above } = capture();
    const availability = new KafkaAvailability(logger);
    availability.reached({});
    expect(above("info")).toEqual([]);
    const op = {};
    availability.failed(op, "subscribing group g", "down");
    availability.abandoned(op);
    expect(availability.waiting).toBe(false);
    expect(above("info").map((l) => l.msg)).toEqual(["waiting for Kafka: subscribing group g"]);
    // A later wait is a new state change, logged again.
    availability.failed(op, "publishing to t", "down");
    expect(above("warn")).toHaveLength(2);
  });
});
