/**
 * Embedded mode's alerting: follows OUTPUT_TOPIC in its own consumer group and posts live signal
 * changes to Slack (compose/Minikube use Grafana's Slack contact point instead).
 */
import type { Bus } from "@shamdan/shared/core/bus";
import { textDecoder } from "@shamdan/shared/core/bus";
import type { Config } from "@shamdan/shared/core/config";
import type { Logger } from "@shamdan/shared/core/log";
import { type IndicatorRow, IndicatorRowSchema } from "@shamdan/shared/core/messages";
import { SlackNotifier } from "@shamdan/sink/slack-notifier";
import * as v from "valibot";

export async function startSlackAlerts(options: {
  bus: Bus;
  config: Pick<Config, "OUTPUT_TOPIC">;
  logger: Logger;
  webhookUrl: string;
}): Promise<{ stop(): Promise<void> }> {
  const notifier = new SlackNotifier({ webhookUrl: options.webhookUrl, logger: options.logger });
  await options.bus.ensureTopics([{ name: options.config.OUTPUT_TOPIC }]);
  const subscription = await options.bus.subscribe({
    groupId: "slack-alerts",
    topics: [options.config.OUTPUT_TOPIC],
    fromBeginning: false,
    async onBatch(batch) {
      const rows: IndicatorRow[] = [];
      for (const message of batch.messages) {
        // Malformed rows are the sink's business (dead letters); alerts just skip them.
        const parsed = v.safeParse(IndicatorRowSchema, safeJson(textDecoder.decode(message.value)));
        if (parsed.success) rows.push(parsed.output);
      }
      if (notifier.offer(rows) > 0) await notifier.flush();
    },
  });
  return { stop: () => subscription.stop() };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
