/**
 * `shamdan rows` on the real Kafka: the messages of an output topic as JSON Lines, a binary row and a
 * JSON row printed as the same kind of row, a broken message printed with its reason; it exits after
 * --limit messages.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { KafkaBus } from "@shamdan/shared/adapters/kafka/kafka-bus";
import { RowEncoder } from "@shamdan/shared/core/row-codec";
import { requireInfra, testConfig, uniqueName } from "@shamdan/shared/testing/integration";
import { testRow } from "@shamdan/shared/testing/rows";

const root = join(import.meta.dir, "../..");
const config = testConfig();
const bus = new KafkaBus(config);
afterAll(() => bus.close());

test("rows prints binary and JSON rows alike, and the reason for a message that is not a row", async () => {
  await requireInfra(config);
  const topic = uniqueName("rows_out");
  await bus.ensureTopics([{ name: topic }]);
  const binary = testRow({ symbol: "BTCIRT", sma: 1.25, ema: 0.1 + 0.2, signal: "BUY", signalChanged: true });
  const json = testRow({ symbol: "ETHIRT", openTime: binary.openTime + 60_000 });
  const broken = Uint8Array.from(new RowEncoder("binary").encode(binary) as Uint8Array);
  broken[1] = 7;
  await bus.publish(topic, [
    { key: binary.symbol, value: new RowEncoder("binary").encode(binary) },
    { key: json.symbol, value: new RowEncoder("json").encode(json) },
    { key: binary.symbol, value: broken },
    { key: json.symbol, value: new RowEncoder("json").encode(json) },
  ]);

  const proc = Bun.spawn(["bun", "cli/main.ts", "rows", "--from-beginning", "--limit", "3"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      KAFKA_BROKERS: config.KAFKA_BROKERS.join(","),
      OUTPUT_TOPIC: topic,
      LOG_LEVEL: "warn",
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill(), 60_000);
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  clearTimeout(timer);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  expect(
    stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line)),
  ).toEqual([
    { partition: 0, offset: "0", row: binary },
    { partition: 0, offset: "1", row: json },
    { partition: 0, offset: "2", error: "binary row: unknown signal code 7" },
  ]);
});
