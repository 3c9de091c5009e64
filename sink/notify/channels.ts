/**
 * The channels a signal alert can go out on, behind one small interface: Slack (incoming webhook),
 * Telegram and Bale (Bot API `sendMessage`; Bale's API is Telegram's at another address), and a
 * generic JSON webhook. A channel sends one message and reports how it failed; retrying, queueing
 * and pacing are the notifier's (notifier.ts).
 *
 * Secrets (bot tokens, webhook URLs, which are credentials themselves) never appear in a ChannelError:
 * each channel scrubs its own secrets from any text it reports, before the logger's `redact`.
 */
import { redact } from "@shamdan/shared/core/errors";
import { type NotifyLang, plainText, quoteUnit, type SignalAlert, slackText, testText } from "./message.ts";

/** What to send: an alert, or the test message of `notify --test`. */
export type Content = { kind: "alert"; alert: SignalAlert } | { kind: "test" };

export interface NotifyChannel {
  /** slack, telegram, bale or webhook: names the channel in logs, metrics and `notify --test`. */
  readonly name: string;
  /** Resolves once the service accepted the message; throws a ChannelError otherwise. */
  send(content: Content, signal: AbortSignal): Promise<void>;
}

export class ChannelError extends Error {
  override name = "ChannelError";
  constructor(
    message: string,
    /** Waiting may fix it: a rate limit, a 5xx, a timeout, a network error. */
    readonly retryable: boolean,
    /** How long the service asked us to wait (Telegram's `retry_after`, HTTP `Retry-After`), ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

interface HttpChannelOptions {
  lang: NotifyLang;
  fetch?: typeof fetch;
}

/** Replaces each secret, then any credential `redact` knows, in text bound for a log or a terminal. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.replaceAll(secret, "***");
  return redact(out);
}

/** `Retry-After` in seconds (the only form these services send), as ms. */
function retryAfterHeader(response: Response): number | undefined {
  const seconds = Number(response.headers.get("retry-after"));
  return Number.isFinite(seconds) && seconds >= 0 && response.headers.has("retry-after")
    ? seconds * 1000
    : undefined;
}

/**
 * POSTs JSON and maps the outcome: network errors and timeouts are retryable; so are 408, 429 and
 * 5xx answers (with the asked delay); any other non-2xx is not (a wrong token or chat stays wrong).
 */
async function postJson(
  url: string,
  body: unknown,
  signal: AbortSignal,
  secrets: readonly string[],
  post: typeof fetch,
  service: string,
): Promise<Response> {
  let response: Response;
  try {
    response = await post(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const detail = error instanceof Error ? error.message : String(error);
    throw new ChannelError(
      scrub(timedOut ? `${service} did not answer in time` : `${service} unreachable: ${detail}`, secrets),
      true,
    );
  }
  if (response.ok) return response;
  const text = scrub((await response.text().catch(() => "")).slice(0, 300), secrets);
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  throw new ChannelError(
    `${service} answered HTTP ${response.status}${text ? `: ${text}` : ""}`,
    retryable,
    retryAfterHeader(response) ?? telegramRetryAfter(text),
  );
}

/** Telegram's (and Bale's) `{"ok":false,"error_code":429,"parameters":{"retry_after":N}}`, as ms. */
function telegramRetryAfter(body: string): number | undefined {
  try {
    const seconds = (JSON.parse(body) as { parameters?: { retry_after?: unknown } }).parameters?.retry_after;
    return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0
      ? seconds * 1000
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A channel that posts one JSON document to a URL which is itself the credential (an incoming
 * webhook): subclasses say what the document is and how the service is named in errors.
 */
abstract class WebhookPostChannel implements NotifyChannel {
  abstract readonly name: string;
  protected abstract readonly service: string;
  constructor(
    protected readonly url: string,
    protected readonly options: HttpChannelOptions,
  ) {}

  protected abstract document(content: Content): unknown;

  /** Texts scrubbed from errors: the URL, and parts of it that identify the hook on their own. */
  protected secrets(): string[] {
    return [this.url];
  }

  async send(content: Content, signal: AbortSignal): Promise<void> {
    await postJson(
      this.url,
      this.document(content),
      signal,
      this.secrets(),
      this.options.fetch ?? fetch,
      this.service,
    );
  }
}

/** Slack incoming webhook: `{"text": ...}` in mrkdwn; the URL is the secret. */
export class SlackChannel extends WebhookPostChannel {
  readonly name = "slack";
  protected readonly service = "Slack";

  protected document(content: Content) {
    const lang = this.options.lang;
    return { text: content.kind === "test" ? testText(lang, this.name) : slackText(content.alert, lang) };
  }

  protected override secrets(): string[] {
    return [this.url, new URL(this.url).pathname];
  }
}

/**
 * Telegram's Bot API `sendMessage`, at `<apiUrl>/bot<token>/sendMessage`; Bale's Bot API is the same
 * at https://tapi.bale.ai. Plain text (no parse_mode), so symbols and links need no escaping.
 */
export class BotApiChannel implements NotifyChannel {
  constructor(
    readonly name: "telegram" | "bale",
    private readonly bot: { apiUrl: string; token: string; chatId: string },
    private readonly options: HttpChannelOptions,
  ) {}

  async send(content: Content, signal: AbortSignal): Promise<void> {
    const text =
      content.kind === "test"
        ? testText(this.options.lang, this.name)
        : plainText(content.alert, this.options.lang);
    const url = `${this.bot.apiUrl.replace(/\/+$/, "")}/bot${this.bot.token}/sendMessage`;
    const service = this.name === "telegram" ? "Telegram" : "Bale";
    const response = await postJson(
      url,
      { chat_id: this.bot.chatId, text, disable_web_page_preview: true },
      signal,
      [this.bot.token],
      this.options.fetch ?? fetch,
      service,
    );
    // The Bot API answers 200 with {"ok": true, ...}; anything else is not a delivery.
    const body = (await response.json().catch(() => undefined)) as
      | { ok?: unknown; description?: unknown }
      | undefined;
    if (body?.ok !== true)
      throw new ChannelError(
        scrub(
          `${service} did not confirm the message${typeof body?.description === "string" ? `: ${body.description}` : ""}`,
          [this.bot.token],
        ),
        false,
      );
  }
}

/** A generic webhook: one JSON document per alert, with the fields and the plain text. */
export class WebhookChannel extends WebhookPostChannel {
  readonly name = "webhook";
  protected readonly service = "the webhook";

  protected document(content: Content) {
    const lang = this.options.lang;
    return content.kind === "test"
      ? { type: "test", text: testText(lang, this.name) }
      : webhookBody(content.alert, lang);
  }
}

export function webhookBody(a: SignalAlert, lang: NotifyLang) {
  return {
    type: "signal",
    symbol: a.symbol,
    signal: a.signal,
    openTime: new Date(a.openTime).toISOString(),
    close: a.close,
    /** toman for IRT markets (Nobitex's candles quote them in toman), USDT for Tether markets. */
    unit: quoteUnit(a.symbol) ?? null,
    rsi: a.rsi,
    sma: a.sma,
    ema: a.ema,
    link: a.link,
    text: plainText(a, lang),
  };
}
