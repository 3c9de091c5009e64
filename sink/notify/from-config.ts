/** The channels and notifier settings the configuration asks for. */
import { type Config, ConfigError } from "@shamdan/shared/core/config";
import type { Logger } from "@shamdan/shared/core/log";
import type { Registry } from "prom-client";
import { BotApiChannel, type NotifyChannel, SlackChannel, WebhookChannel } from "./channels.ts";
import { Notifier } from "./notifier.ts";

export type NotifyConfig = Pick<
  Config,
  | "SLACK_WEBHOOK_URL"
  | "TELEGRAM_BOT_TOKEN"
  | "TELEGRAM_CHAT_ID"
  | "TELEGRAM_API_URL"
  | "BALE_BOT_TOKEN"
  | "BALE_CHAT_ID"
  | "BALE_API_URL"
  | "WEBHOOK_URL"
  | "NOTIFY_SYMBOLS"
  | "NOTIFY_LANG"
  | "NOTIFY_CHART_URL"
  | "NOTIFY_MAX_DELAY_SECONDS"
  | "NOTIFY_TIMEOUT_MS"
  | "NOTIFY_MAX_ATTEMPTS"
  | "RESOLUTION"
  | "API_PORT"
>;

/** Every configured channel; a bot token without its chat (or the reverse) is a ConfigError. */
export function channelsFromConfig(config: NotifyConfig, fetchImpl?: typeof fetch): NotifyChannel[] {
  const options = { lang: config.NOTIFY_LANG, ...(fetchImpl ? { fetch: fetchImpl } : {}) };
  const problems: string[] = [];
  const channels: NotifyChannel[] = [];
  if (config.SLACK_WEBHOOK_URL) channels.push(new SlackChannel(config.SLACK_WEBHOOK_URL, options));
  for (const [name, token, chatId, apiUrl] of [
    ["telegram", config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_CHAT_ID, config.TELEGRAM_API_URL],
    ["bale", config.BALE_BOT_TOKEN, config.BALE_CHAT_ID, config.BALE_API_URL],
  ] as const) {
    const prefix = name.toUpperCase();
    if (token && chatId) channels.push(new BotApiChannel(name, { apiUrl, token, chatId }, options));
    else if (token) problems.push(`${prefix}_CHAT_ID: required with ${prefix}_BOT_TOKEN`);
    else if (chatId) problems.push(`${prefix}_BOT_TOKEN: required with ${prefix}_CHAT_ID`);
  }
  if (config.WEBHOOK_URL) channels.push(new WebhookChannel(config.WEBHOOK_URL, options));
  if (problems.length > 0) throw new ConfigError(problems);
  return channels;
}

/** Minutes per candle of a UDF resolution ("1" … "720", "D", "2D", "3D"). */
export function resolutionMs(resolution: string): number {
  const days = /^(\d*)D$/.exec(resolution);
  if (days) return Number(days[1] || "1") * 86_400_000;
  return Number(resolution) * 60_000;
}

/** The chart page on a symbol: NOTIFY_CHART_URL, or this host's API. */
export function chartLinkFor(config: Pick<Config, "NOTIFY_CHART_URL" | "API_PORT">) {
  const base = config.NOTIFY_CHART_URL ?? `http://127.0.0.1:${config.API_PORT}/`;
  return (symbol: string) => {
    const url = new URL(base);
    url.searchParams.set("symbol", symbol);
    return url.href;
  };
}

/** A notifier over every configured channel, or undefined when none is configured. */
export function notifierFromConfig(
  config: NotifyConfig,
  logger: Logger,
  options: { registry?: Registry; fetch?: typeof fetch; channels?: NotifyChannel[] } = {},
): Notifier | undefined {
  const channels = options.channels ?? channelsFromConfig(config, options.fetch);
  if (channels.length === 0) return undefined;
  return new Notifier({
    channels,
    logger,
    linkFor: chartLinkFor(config),
    candleMs: resolutionMs(config.RESOLUTION),
    maxDelayMs: config.NOTIFY_MAX_DELAY_SECONDS * 1000,
    symbols: config.NOTIFY_SYMBOLS,
    timeoutMs: config.NOTIFY_TIMEOUT_MS,
    maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
    ...(options.registry ? { registry: options.registry } : {}),
  });
}
