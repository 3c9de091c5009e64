/**
 * `bun run shamdan notify`: the notification service, a consumer group (NOTIFY_GROUP) on
 * OUTPUT_TOPIC sending live signal changes through every configured channel (sink/notify/). Health
 * and metrics on HEALTH_PORT (default 9104). `--test` sends one test message per channel and says,
 * per channel, whether it was delivered: the first thing to run after setting a token.
 */

import { loadConfig } from "@shamdan/shared/core/config";
import type { NotifyChannel } from "@shamdan/sink/notify/channels";
import { consumeForNotifier, type NotifyConsumer } from "@shamdan/sink/notify/consume";
import { channelsFromConfig, notifierFromConfig } from "@shamdan/sink/notify/from-config";
import { testChannels } from "@shamdan/sink/notify/notifier";
import { type Command, ExitCode, parseOptions } from "../command.ts";
import { runService } from "../service-bootstrap.ts";

const help = `Usage: bun run shamdan notify [--test]

Consumes OUTPUT_TOPIC in consumer group NOTIFY_GROUP (default notify) and sends every live signal
change to BUY or SELL through each configured channel, at most one message per symbol and candle:
  Slack      SLACK_WEBHOOK_URL (an incoming webhook)
  Telegram   TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID (Bot API sendMessage at TELEGRAM_API_URL)
  Bale       BALE_BOT_TOKEN and BALE_CHAT_ID (the same Bot API at BALE_API_URL, https://tapi.bale.ai)
  webhook    WEBHOOK_URL (one JSON document per alert)
NOTIFY_SYMBOLS limits the symbols; NOTIFY_LANG=fa writes Persian (Jalali date, Tehran time, toman).
A change is live until NOTIFY_MAX_DELAY_SECONDS after its candle closed. Failed sends are retried
with backoff (honouring Telegram's retry_after and HTTP Retry-After) up to NOTIFY_MAX_ATTEMPTS;
tokens are never logged. Health and metrics: http://127.0.0.1:HEALTH_PORT (default 9104).

  --test   send one test message through every configured channel, print per channel
           "delivered" or the error, and exit (0: all delivered, 1: one failed, 2: none configured)`;

export const notifyCommand: Command = {
  name: "notify",
  summary: "Send live signal changes to Slack, Telegram, Bale or a webhook (--test: a test message)",
  help,
  service: true,
  async run(argv) {
    const { values } = parseOptions(argv, { test: { type: "boolean" } });
    const config = loadConfig();
    // Checked before starting: a service with nothing to send to is a configuration mistake.
    const channels = channelsFromConfig(config);
    if (channels.length === 0) {
      process.stderr.write(`shamdan notify: ${NO_CHANNEL}\n`);
      return ExitCode.usage;
    }
    if (values.test) return sendTestMessages(channels, config.NOTIFY_TIMEOUT_MS);
    return runService<NotifyConsumer>({
      name: "notify",
      config,
      health: { defaultPort: 9104, ready: (consumer) => consumer !== undefined },
      async start({ logger, registry, bus }) {
        const notifier = notifierFromConfig(config, logger, { registry, channels });
        if (!notifier) throw new Error(NO_CHANNEL);
        logger.info("notifications on", { channels: notifier.channels, lang: config.NOTIFY_LANG });
        return consumeForNotifier({ bus: bus(), config, groupId: config.NOTIFY_GROUP, notifier });
      },
    });
  },
};

const NO_CHANNEL =
  "no notification channel configured: set SLACK_WEBHOOK_URL, TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID, BALE_BOT_TOKEN and BALE_CHAT_ID, or WEBHOOK_URL";

async function sendTestMessages(channels: NotifyChannel[], timeoutMs: number): Promise<number> {
  const results = await testChannels(channels, timeoutMs);
  const width = Math.max(...results.map((r) => r.channel.length));
  for (const r of results)
    process.stdout.write(`${r.channel.padEnd(width)}  ${r.ok ? "delivered" : `failed: ${r.error}`}\n`);
  return results.every((r) => r.ok) ? ExitCode.ok : ExitCode.failure;
}
