/**
 * Feeds a notifier from OUTPUT_TOPIC in its own consumer group: `shamdan notify` on Kafka, and
 * `bun start` on its in-memory bus. The batch handler only parses and queues, so it returns at
 * once and the group's offsets move on whatever the channels are doing.
 */
import type { Bus } from "@shamdan/shared/core/bus";
import type { Config } from "@shamdan/shared/core/config";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { parseRowMessage } from "@shamdan/shared/core/row-codec";
import type { Notifier } from "./notifier.ts";

export interface NotifyConsumer {
  stop(): Promise<void>;
}

export async function consumeForNotifier(options: {
  bus: Bus;
  config: Pick<Config, "OUTPUT_TOPIC">;
  groupId: string;
  notifier: Notifier;
}): Promise<NotifyConsumer> {
  const { bus, config, notifier } = options;
  await bus.ensureTopics([{ name: config.OUTPUT_TOPIC }]);
  const subscription = await bus.subscribe({
    groupId: options.groupId,
    topics: [config.OUTPUT_TOPIC],
    // A new group starts at the end: what is already in the topic is history.
    fromBeginning: false,
    async onBatch(batch) {
      const rows: IndicatorRow[] = [];
      for (const message of batch.messages) {
        // Malformed rows are the sink's business (dead letters); alerts just skip them.
        const parsed = parseRowMessage(message.value);
        if (parsed.ok) rows.push(parsed.value);
      }
      notifier.offer(rows);
    },
  });
  return {
    async stop() {
      await subscription.stop();
      await notifier.stop();
    },
  };
}
