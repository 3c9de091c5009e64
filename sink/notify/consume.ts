/**
 * Feeds a notifier from OUTPUT_TOPIC in its own consumer group: `shamdan notify` on Kafka, and
 * `bun start` on its in-memory bus. The batch handler only parses and queues, so it returns at
 * once and the group's offsets move on whatever the channels are doing.
 */
import { type Bus, textDecoder } from "@shamdan/shared/core/bus";
import type { Config } from "@shamdan/shared/core/config";
import { type IndicatorRow, IndicatorRowSchema } from "@shamdan/shared/core/messages";
import * as v from "valibot";
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
        const parsed = v.safeParse(IndicatorRowSchema, safeJson(textDecoder.decode(message.value)));
        if (parsed.success) rows.push(parsed.output);
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
