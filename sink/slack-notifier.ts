/**
 * Posts signal changes to a Slack incoming webhook (embedded mode's alerting; in compose/Minikube
 * Grafana's Slack contact point does this from the database).
 *
 * Only live changes are sent: a row whose candle opened more than `maxAgeMs` ago (backfill, replay)
 * is history, not news, and would flood the channel. Changes are coalesced into one message per
 * flush, and Slack's 429 `Retry-After` is honoured; a failed post is logged and dropped (alerts are
 * best-effort; the rows themselves are safe in the store).
 */
import type { Logger } from "@shamdan/shared/log";
import type { IndicatorRow } from "@shamdan/shared/messages";

export interface SlackNotifierOptions {
  webhookUrl: string;
  logger: Logger;
  /** Rows older than this (by candle open time) are not announced. Default 5 minutes. */
  maxAgeMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

const formatPrice = (n: number) => (Math.abs(n) >= 1000 ? n.toFixed(0) : n.toPrecision(8));
const formatOptional = (n: number | null, digits = 2) => (n === null ? "n/a" : n.toFixed(digits));

export function formatChange(row: IndicatorRow): string {
  const time = new Date(row.openTime).toISOString().slice(0, 16).replace("T", " ");
  return `*${row.symbol}* → *${row.signal}* at ${time} UTC · close ${formatPrice(row.close)} · RSI ${formatOptional(row.rsi)}`;
}

export class SlackNotifier {
  private pending: IndicatorRow[] = [];
  private retryAfter = 0;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly post: typeof fetch;

  constructor(private readonly options: SlackNotifierOptions) {
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    this.post = options.fetch ?? fetch;
  }

  /** Queues the rows worth announcing; returns how many were queued. */
  offer(rows: readonly IndicatorRow[]): number {
    const fresh = rows.filter((row) => row.signalChanged && this.now() - row.openTime <= this.maxAgeMs);
    this.pending.push(...fresh);
    return fresh.length;
  }

  /** Sends what is queued as one message. Returns true when something was delivered. */
  async flush(): Promise<boolean> {
    if (this.pending.length === 0 || this.now() < this.retryAfter) return false;
    const rows = this.pending;
    this.pending = [];
    const text = rows.map(formatChange).join("\n");
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
        this.pending.unshift(...rows);
        this.options.logger.warn("slack rate limited", {
          retryAfterSeconds: seconds,
          queued: this.pending.length,
        });
        return false;
      }
      if (!response.ok) {
        this.options.logger.warn("slack post failed", { status: response.status, dropped: rows.length });
        return false;
      }
      return true;
    } catch (error) {
      this.options.logger.warn("slack post failed", { error, dropped: rows.length });
      return false;
    }
  }
}
