/**
 * Embedded mode's alerting: follows OUTPUT_TOPIC in its own consumer group and sends live signal
 * changes through every configured channel (Slack, Telegram, Bale, a webhook: sink/notify/). In
 * compose/Minikube the `notify` service does the same from Kafka, and Grafana's Slack contact point
 * alerts from the database.
 */

import type { Bus } from "@shamdan/shared/core/bus";
import { type Config, loadConfig } from "@shamdan/shared/core/config";
import type { Logger } from "@shamdan/shared/core/log";
import { SlackChannel } from "@shamdan/sink/notify/channels";
import { consumeForNotifier, type NotifyConsumer } from "@shamdan/sink/notify/consume";
import { type NotifyConfig, notifierFromConfig } from "@shamdan/sink/notify/from-config";
import type { Registry } from "prom-client";

/** Every configured channel on `bus`; undefined (nothing started) when none is configured. */
export async function startNotifications(options: {
  bus: Bus;
  config: NotifyConfig & Pick<Config, "OUTPUT_TOPIC">;
  logger: Logger;
  registry?: Registry;
}): Promise<NotifyConsumer | undefined> {
  const notifier = notifierFromConfig(options.config, options.logger, {
    ...(options.registry ? { registry: options.registry } : {}),
  });
  if (!notifier) return undefined;
  options.logger.info("notifications on", { channels: notifier.channels, lang: options.config.NOTIFY_LANG });
  return consumeForNotifier({
    bus: options.bus,
    config: options.config,
    groupId: "embedded-notify",
    notifier,
  });
}

/** Slack alone, to one webhook (the configuration's defaults otherwise). */
export async function startSlackAlerts(options: {
  bus: Bus;
  config: Pick<Config, "OUTPUT_TOPIC" | "API_PORT">;
  logger: Logger;
  webhookUrl: string;
}): Promise<NotifyConsumer> {
  const config = { ...loadConfig({}), ...options.config };
  const notifier = notifierFromConfig(config, options.logger, {
    channels: [new SlackChannel(options.webhookUrl, { lang: config.NOTIFY_LANG })],
  });
  if (!notifier) throw new Error("unreachable: one channel given");
  return consumeForNotifier({ bus: options.bus, config, groupId: "slack-alerts", notifier });
}
