/**
 * Posts signal changes to a Slack incoming webhook (embedded mode's alerting; in compose/Minikube
 * Grafana's Slack contact point does this from the database, with the same rules and words: see
 * grafana/alerts.ts and grafana/notifications.ts, and the integration test comparing both).
 *
 * Only live changes to BUY or SELL are sent: a change to HOLD is no call to act, and a row whose
 * candle opened more than `maxAgeMs` ago (backfill, replay) is history, not news. Changes are sent
 * once (never a "resolved" follow-up), one message per symbol per flush; Slack's 429 `Retry-After`
 * is honoured; a failed post is logged and dropped (alerts are best-effort; the rows themselves are
 * safe in the store).
 */
import type { Logger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";

export interface SlackNotifierOptions {
  webhookUrl: string;
  logger: Logger;
  /** Rows older than this (by candle open time) are not announced. Default 5 minutes. */
  maxAgeMs?: number;
  /** The link each line ends with. Default: the embedded API's chart page on the symbol. */
  linkFor?: (symbol: string) => string;
  now?: () => number;
  fetch?: typeof fetch;
}

/** The market's time zone, as on the dashboards. */
export const MESSAGE_TIMEZONE = "Asia/Tehran";

export const defaultLink = (symbol: string) => `http://127.0.0.1:3000/?symbol=${encodeURIComponent(symbol)}`;

/**
 * `x` (>= 0) with `digits` decimals. Integer arithmetic on the same IEEE doubles as the SQL of
 * Grafana's alert rule (floor(x * 10^d + 0.5)), so both print the same digits.
 */
export function formatFixed(x: number, digits: number): string {
  const scale = 10 ** digits;
  const n = Math.floor(x * scale + 0.5);
  if (digits === 0) return String(n);
  return `${Math.trunc(n / scale)}.${String(n % scale).padStart(digits, "0")}`;
}

export const formatClose = (close: number) =>
  close >= 1000 ? formatFixed(close, 0) : formatFixed(close, close >= 1 ? 4 : 8);
export const formatRsi = (rsi: number | null) => (rsi === null ? "n/a" : formatFixed(rsi, 2));

/** Date and minute in Tehran, 24-hour clock: the fields every message shows, in any calendar. */
export const TEHRAN_MINUTE: Intl.DateTimeFormatOptions = {
  timeZone: MESSAGE_TIMEZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
};

const tehran = new Intl.DateTimeFormat("en-GB", TEHRAN_MINUTE);

/** `yyyy-MM-dd HH:mm` in Asia/Tehran. */
export function formatTehranTime(ms: number): string {
  const part = Object.fromEntries(tehran.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
}

export function formatChange(
  row: Pick<IndicatorRow, "symbol" | "signal" | "openTime" | "close" | "rsi">,
  link = defaultLink(row.symbol),
): string {
  return (
    `*${row.symbol}* → *${row.signal}* at ${formatTehranTime(row.openTime)} (${MESSAGE_TIMEZONE})` +
    ` · close ${formatClose(row.close)} · RSI ${formatRsi(row.rsi)} · <${link}|chart>`
  );
}

export class SlackNotifier {
  private pending: IndicatorRow[] = [];
  private retryAfter = 0;
  private readonly maxAgeMs: number;
  private readonly linkFor: (symbol: string) => string;
  private readonly now: () => number;
  private readonly post: typeof fetch;

  constructor(private readonly options: SlackNotifierOptions) {
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.linkFor = options.linkFor ?? defaultLink;
    this.now = options.now ?? Date.now;
    this.post = options.fetch ?? fetch;
  }

  /** Queues the rows worth announcing; returns how many were queued. */
  offer(rows: readonly IndicatorRow[]): number {
    const fresh = rows.filter(
      (row) => row.signalChanged && row.signal !== "HOLD" && this.now() - row.openTime <= this.maxAgeMs,
    );
    this.pending.push(...fresh);
    return fresh.length;
  }

  /** Sends what is queued, one message per symbol. Returns true when something was delivered. */
  async flush(): Promise<boolean> {
    if (this.pending.length === 0 || this.now() < this.retryAfter) return false;
    const bySymbol = new Map<string, IndicatorRow[]>();
    for (const row of this.pending) bySymbol.set(row.symbol, [...(bySymbol.get(row.symbol) ?? []), row]);
    this.pending = [];
    let delivered = false;
    const groups = [...bySymbol.values()];
    for (const [index, rows] of groups.entries()) {
      const outcome = await this.send(rows);
      if (outcome === "rate-limited") {
        // Keep this symbol's and the remaining symbols' changes for the next flush.
        this.pending.unshift(...groups.slice(index).flat());
        break;
      }
      delivered ||= outcome === "sent";
    }
    return delivered;
  }

  private async send(rows: IndicatorRow[]): Promise<"sent" | "failed" | "rate-limited"> {
    const text = rows.map((row) => formatChange(row, this.linkFor(row.symbol))).join("\n");
    try {
      const response = await this.post(this.options.webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(5000),
      });
      if (response.status === 429) {
        const seconds = Number(response.headers.get("retry-after") ?? "30");
        this.retryAfter = this.now() + (Number.isFinite(seconds) ? seconds : 30) * 1000;
        this.options.logger.warn("slack rate limited", { retryAfterSeconds: seconds, queued: rows.length });
        return "rate-limited";
      }
      if (!response.ok) {
        this.options.logger.warn("slack post failed", { status: response.status, dropped: rows.length });
        return "failed";
      }
      return "sent";
    } catch (error) {
      this.options.logger.warn("slack post failed", { error, dropped: rows.length });
      return "failed";
    }
  }
}
