/** Wiring: the Bus adapter named by `config.BUS` (services only ever see the `Bus` port). */

import type { Bus } from "../core/bus.ts";
import type { Config } from "../core/config.ts";
import type { Logger } from "../core/log.ts";
import { KafkaBus } from "./kafka/kafka-bus.ts";
import { MemoryBus } from "./memory/memory-bus.ts";

export function createBus(
  config: Pick<
    Config,
    "BUS" | "KAFKA_BROKERS" | "KAFKA_CLIENT_ID" | "KAFKA_COMPRESSION" | "TOPIC_PARTITIONS" | "LOG_LEVEL"
  >,
  logger: Logger,
): Bus {
  switch (config.BUS) {
    case "memory":
      return new MemoryBus({ logger, defaultPartitions: config.TOPIC_PARTITIONS });
    case "kafka":
      // kafkajs's INFO lines (every join, every commit) only when the service itself runs at debug.
      return new KafkaBus(config, {
        logger,
        kafkaLogLevel: config.LOG_LEVEL === "debug" ? "info" : "warn",
        compression: config.KAFKA_COMPRESSION,
      });
  }
}
