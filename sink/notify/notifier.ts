/**
 * One notifier, many channels: every live signal change to BUY or SELL goes to each configured
 * channel, at most once per symbol and candle.
 *
 * - `offer(rows)` never waits: it picks the alerts and queues them per channel, so the pipeline (a
 *   consumer group's batch, `bun start`'s bus) is never held up by a slow or rate-limited service;
 * - a row is live when its candle is the forming one or closed at most `maxDelayMs` ago: the older
 *   rows of a backfill, a replay or a catch-up are history, not news;
 * - each channel has its own queue and sender, so a rate-limited Telegram does not delay Slack; a
 *   failed send is retried with exponential backoff and jitter, or after the delay the service asked
 *   for (Telegram's `retry_after`, HTTP `Retry-After`), up to `maxAttempts`; a refusal no wait can
 *   fix (a wrong token or chat) is dropped at once; everything dropped is logged and counted;
 * - a queue is bounded: past `queueLimit` the oldest alert is dropped (a channel down for hours must
 *   not grow memory), counted as `overflow`.
 *
 * Delivery is at most once per process: a restarted consumer group may re-read a few rows and send
 * their alerts again (the candle-age rule bounds how far back).
 */
import { backoffDelay, sleepUnlessAborted } from "@shamdan/shared/core/backoff";
import type { Logger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { Counter, type Registry } from "prom-client";
import { ChannelError, type Content, type NotifyChannel } from "./channels.ts";
import { alertOf, type SignalAlert } from "./message.ts";

export interface NotifierOptions {
  channels: readonly NotifyChannel[];
  logger: Logger;
  /** The chart page each message links to. */
  linkFor(symbol: string): string;
  /** Length of one candle (RESOLUTION), ms. */
  candleMs: number;
  /** How long after its close a candle's change is still news. */
  maxDelayMs: number;
  /** Only these symbols; empty or absent: every symbol. */
  symbols?: readonly string[];
  /** Per send. */
  timeoutMs: number;
  /** Sends per message, the first included. */
  maxAttempts: number;
  backoff?: { baseMs: number; maxMs: number };
  queueLimit?: number;
  registry?: Registry;
  now?: () => number;
}

export type Outcome = "sent" | "failed" | "overflow" | "stopped";

/** Sends `content` once through `channel`, bounded by `timeoutMs` and by `stop`. */
export async function sendOnce(
  channel: NotifyChannel,
  content: Content,
  timeoutMs: number,
  stop?: AbortSignal,
): Promise<void> {
  const timeout = AbortSignal.timeout(timeoutMs);
  await channel.send(content, stop ? AbortSignal.any([timeout, stop]) : timeout);
}

class ChannelQueue {
  readonly items: SignalAlert[] = [];
  private running: Promise<void> | undefined;

  constructor(
    readonly channel: NotifyChannel,
    private readonly notifier: Notifier,
  ) {}

  push(alert: SignalAlert, limit: number): void {
    this.items.push(alert);
    while (this.items.length > limit) {
      const dropped = this.items.shift();
      if (dropped) this.notifier.record(this.channel, dropped, "overflow");
    }
    this.running ??= this.pump().finally(() => {
      this.running = undefined;
    });
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async pump(): Promise<void> {
    for (;;) {
      const alert = this.items.shift();
      if (!alert) return;
      this.notifier.record(this.channel, alert, await this.notifier.deliver(this.channel, alert));
    }
  }
}

export class Notifier {
  private readonly queues: ChannelQueue[];
  private readonly announced = new Map<string, number>();
  private readonly symbols: ReadonlySet<string> | undefined;
  private readonly stopping = new AbortController();
  private readonly now: () => number;
  private readonly counter: Counter<"channel" | "outcome"> | undefined;
  readonly stopSignal = this.stopping.signal;

  constructor(private readonly options: NotifierOptions) {
    this.queues = options.channels.map((channel) => new ChannelQueue(channel, this));
    this.symbols = options.symbols && options.symbols.length > 0 ? new Set(options.symbols) : undefined;
    this.now = options.now ?? Date.now;
    this.counter = options.registry
      ? new Counter({
          name: "shamdan_notify_messages_total",
          help: "Signal alerts per channel and outcome (sent, failed: given up after retries or refused, overflow: dropped from a full queue, stopped: pending at shutdown)",
          labelNames: ["channel", "outcome"],
          registers: [options.registry],
        })
      : undefined;
  }

  get channels(): readonly string[] {
    return this.options.channels.map((c) => c.name);
  }

  /** Alerts waiting or being sent, per channel (health detail, tests). */
  pending(): Record<string, number> {
    return Object.fromEntries(this.queues.map((q) => [q.channel.name, q.items.length]));
  }

  /**
   * Queues the alerts among `rows` (live changes to BUY or SELL of the wanted symbols, one per symbol
   * and candle) on every channel; returns how many alerts were queued. Never waits.
   */
  offer(rows: readonly IndicatorRow[]): number {
    if (this.stopping.signal.aborted) return 0;
    let queued = 0;
    const now = this.now();
    for (const row of rows) {
      if (!row.signalChanged || row.signal === "HOLD") continue;
      if (this.symbols && !this.symbols.has(row.symbol)) continue;
      if (now - (row.openTime + this.options.candleMs) > this.options.maxDelayMs) continue;
      // A candle already announced (the forming candle flipping back and forth, a re-delivery), or an older one.
      if (row.openTime <= (this.announced.get(row.symbol) ?? Number.NEGATIVE_INFINITY)) continue;
      const alert = alertOf(row, this.options.linkFor(row.symbol));
      if (!alert) continue;
      this.announced.set(row.symbol, row.openTime);
      for (const queue of this.queues) queue.push(alert, this.options.queueLimit ?? 1000);
      queued++;
    }
    return queued;
  }

  /** Resolves once every queue is empty (tests; a graceful stop). */
  async idle(): Promise<void> {
    while (this.queues.some((q) => q.items.length > 0)) await Promise.all(this.queues.map((q) => q.idle()));
    await Promise.all(this.queues.map((q) => q.idle()));
  }

  /** Lets the queues drain for up to `graceMs`, then abandons what is left (logged, counted). */
  async stop(graceMs = 2000): Promise<void> {
    const drained = await Promise.race([this.idle().then(() => true), Bun.sleep(graceMs).then(() => false)]);
    this.stopping.abort();
    if (!drained) {
      for (const q of this.queues) {
        for (const alert of q.items.splice(0)) this.record(q.channel, alert, "stopped");
      }
      await Promise.all(this.queues.map((q) => q.idle()));
    }
  }

  /** One alert through one channel, with retries; the outcome. */
  async deliver(channel: NotifyChannel, alert: SignalAlert): Promise<Outcome> {
    const { maxAttempts, timeoutMs } = this.options;
    const backoff = this.options.backoff ?? { baseMs: 1000, maxMs: 60_000 };
    const log = this.options.logger;
    for (let attempt = 1; ; attempt++) {
      if (this.stopping.signal.aborted) return "stopped";
      try {
        await sendOnce(channel, { kind: "alert", alert }, timeoutMs, this.stopping.signal);
        return "sent";
      } catch (error) {
        if (this.stopping.signal.aborted) return "stopped";
        const failure =
          error instanceof ChannelError ? error : new ChannelError(`send failed: ${String(error)}`, false);
        if (!failure.retryable || attempt >= maxAttempts) {
          log.warn("notify: alert dropped", {
            channel: channel.name,
            symbol: alert.symbol,
            signal: alert.signal,
            attempts: attempt,
            error: failure.message,
          });
          return "failed";
        }
        const delayMs = failure.retryAfterMs ?? backoffDelay(attempt, backoff.baseMs, backoff.maxMs);
        log.info("notify: retrying", { channel: channel.name, attempt, delayMs, error: failure.message });
        await sleepUnlessAborted(delayMs, this.stopping.signal);
      }
    }
  }

  /** Counts an outcome (and logs what was lost without a word from `deliver`). */
  record(channel: NotifyChannel, alert: SignalAlert, outcome: Outcome): void {
    this.counter?.inc({ channel: channel.name, outcome });
    if (outcome === "overflow" || outcome === "stopped")
      this.options.logger.warn(
        `notify: alert dropped (${outcome === "overflow" ? "queue full" : "shutting down"})`,
        {
          channel: channel.name,
          symbol: alert.symbol,
          signal: alert.signal,
        },
      );
  }
}

export interface TestResult {
  channel: string;
  ok: boolean;
  error?: string;
}

/** `notify --test`: one test message per channel, at once, no retries: the answer is the point. */
export function testChannels(channels: readonly NotifyChannel[], timeoutMs: number): Promise<TestResult[]> {
  return Promise.all(
    channels.map(async (channel) => {
      try {
        await sendOnce(channel, { kind: "test" }, timeoutMs);
        return { channel: channel.name, ok: true };
      } catch (error) {
        return {
          channel: channel.name,
          ok: false,
          error: error instanceof ChannelError ? error.message : String(error),
        };
      }
    }),
  );
}
