/**
 * `bun run shamdan rows`: the rows on OUTPUT_TOPIC as JSON Lines, whichever format the processor wrote
 * them in (OUTPUT_FORMAT=binary is not readable by eye, shared/core/row-codec.ts). For people and
 * scripts looking at the topic; services read it with the codec directly.
 */
import { randomUUID } from "node:crypto";
import { createBus } from "@shamdan/shared/adapters/create-bus";
import { loadConfig } from "@shamdan/shared/core/config";
import { createLogger } from "@shamdan/shared/core/log";
import { parseRowMessage } from "@shamdan/shared/core/row-codec";
import { type Command, ExitCode, parseOptions, UsageError } from "../command.ts";

const help = `Usage: bun run shamdan rows [--from-beginning] [--limit N]

Prints the messages of OUTPUT_TOPIC as JSON Lines, one per message, binary or JSON rows alike:
  {"partition":0,"offset":"41","row":{...the IndicatorRow...}}
  {"partition":0,"offset":"42","error":"binary row: unknown signal code 7"}   (not a row)
It reads in a consumer group of its own (rows-<uuid>), so no service's offsets move.

  --from-beginning   start at the oldest message kept (default: only messages published from now on)
  --limit N          exit after N messages (default: run until Ctrl-C)
Environment: KAFKA_BROKERS, OUTPUT_TOPIC (BUS must be kafka: the memory bus lives inside bun start).`;

export const rowsCommand: Command = {
  name: "rows",
  summary: "Print the rows on OUTPUT_TOPIC as JSON Lines (binary or JSON)",
  help,
  async run(argv) {
    const { values } = parseOptions(argv, {
      "from-beginning": { type: "boolean", default: false },
      limit: { type: "string" },
    });
    const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
    if (!(limit === Number.POSITIVE_INFINITY || (Number.isSafeInteger(limit) && limit > 0)))
      throw new UsageError("--limit must be a positive integer");
    const config = loadConfig();
    if (config.BUS !== "kafka")
      throw new UsageError("rows reads Kafka (BUS=kafka); the memory bus exists only inside `bun start`");
    const bus = createBus(config, createLogger(config.LOG_LEVEL, { service: "rows" }));
    let printed = 0;
    const { promise: done, resolve: finish } = Promise.withResolvers<void>();
    process.once("SIGINT", finish);
    try {
      const subscription = await bus.subscribe({
        groupId: `rows-${randomUUID()}`,
        topics: [config.OUTPUT_TOPIC],
        fromBeginning: values["from-beginning"],
        onBatch: async (batch) => {
          let text = "";
          for (const message of batch.messages) {
            if (printed >= limit) break;
            const parsed = parseRowMessage(message.value);
            const where = { partition: batch.partition, offset: message.offset };
            text += `${JSON.stringify(parsed.ok ? { ...where, row: parsed.value } : { ...where, error: parsed.reason })}\n`;
            printed++;
          }
          process.stdout.write(text);
          if (printed >= limit) finish();
        },
      });
      await done;
      await subscription.stop();
      return ExitCode.ok;
    } finally {
      process.off("SIGINT", finish);
      await bus.close();
    }
  },
};
