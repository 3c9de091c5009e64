import { expect, test } from "bun:test";
import { loadConfig } from "../core/config.ts";
import { silentLogger } from "../core/log.ts";
import { createBus } from "./create-bus.ts";
import { KafkaBus } from "./kafka/kafka-bus.ts";
import { MemoryBus } from "./memory/memory-bus.ts";

test("createBus picks the adapter named by BUS", async () => {
  const memory = createBus(loadConfig({}, { BUS: "memory" }), silentLogger);
  expect(memory).toBeInstanceOf(MemoryBus);
  // Constructing a KafkaBus connects nothing: clients connect on first use.
  const kafka = createBus(loadConfig({}, { BUS: "kafka" }), silentLogger);
  expect(kafka).toBeInstanceOf(KafkaBus);
  await Promise.all([memory.close(), kafka.close()]);
});
