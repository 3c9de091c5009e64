/**
 * Nobitex's WebSocket candle stream as ingest's live source, through the official Centrifugo SDK (npm
 * `centrifuge`, on Bun's built-in WebSocket). One connection carries every symbol's channel
 * (`public:candle-{SYMBOL}-{RESOLUTION}`; Nobitex allows 300 subscriptions per connection, 100
 * connections per IP). The SDK answers the server's pings (Nobitex disconnects a client silent for
 * 25 s) and reconnects with exponential backoff and full jitter, re-subscribing every channel.
 *
 * Nothing is lost across disconnects: every `subscribed` event (the first and each one after a
 * reconnect) polls the UDF endpoint from the last candle seen, inclusive, in the symbol's lane, so the
 * gap is published before any push that arrives meanwhile. Each pushed candle goes to
 * `Poller.acceptPush` (same checks and dedup as a polled one); a push that is not a candle is counted
 * with its reason and dropped. A symbol without a push for `silenceMs` is reported by
 * `needsPolling`, so the scheduled polls cover it until pushes return.
 */
import type { Logger } from "@shamdan/shared/core/log";
import { Centrifuge, type Subscription } from "centrifuge";
import type { LiveSource, SymbolSourceStatus } from "./live-source.ts";
import type { IngestMetrics } from "./metrics.ts";
import type { Poller } from "./poller.ts";
import { candleChannel, parsePushData } from "./push-candle.ts";

export interface WsSourceOptions {
  url: string;
  symbols: readonly string[];
  resolution: string;
  poller: Pick<Poller, "acceptPush" | "pollSymbol">;
  metrics: IngestMetrics;
  logger: Logger;
  /** A symbol without a push for this long (ms) is polled until pushes return. */
  silenceMs: number;
  /** Subscribe with the `fossil` delta (the server sends diffs; the SDK decodes them). */
  delta?: boolean;
  /** Reconnect backoff bounds (ms); the SDK's defaults are 500 and 20,000. */
  minReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  now?: () => number;
}

interface ChannelState {
  subscribed: boolean;
  /** Last push, or the subscription if no push came since: silence is measured from there. */
  lastHeardAt: number | undefined;
  lastPushAt: number | undefined;
  silent: boolean;
}

export class WsLiveSource implements LiveSource {
  readonly name = "websocket" as const;
  readonly #o: WsSourceOptions;
  readonly #now: () => number;
  readonly #client: Centrifuge;
  readonly #channels = new Map<string, ChannelState>();
  readonly #subs = new Map<string, Subscription>();
  #everConnected = false;
  #reconnects = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: WsSourceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#client = new Centrifuge(options.url, {
      websocket: WebSocket,
      minReconnectDelay: options.minReconnectDelayMs ?? 500,
      maxReconnectDelay: options.maxReconnectDelayMs ?? 20_000,
      // Node-style runtimes have no window: the SDK must not wait for browser online/page events.
      networkEventTarget: new EventTarget(),
      pageEventTarget: new EventTarget(),
    });
    for (const symbol of options.symbols) {
      this.#channels.set(symbol, {
        subscribed: false,
        lastHeardAt: undefined,
        lastPushAt: undefined,
        silent: true,
      });
    }
  }

  async start(): Promise<void> {
    const { logger, metrics } = this.#o;
    this.#client.on("connected", (ctx) => {
      metrics.wsConnected.set(1);
      if (this.#everConnected) {
        this.#reconnects += 1;
        metrics.wsReconnects.inc();
      }
      this.#everConnected = true;
      logger.info("stream connected", {
        url: this.#o.url,
        transport: ctx.transport,
        reconnects: this.#reconnects,
      });
    });
    this.#client.on("connecting", (ctx) => {
      metrics.wsConnected.set(0);
      for (const state of this.#channels.values()) state.subscribed = false;
      if (this.#everConnected)
        logger.warn("stream lost, reconnecting", { code: ctx.code, reason: ctx.reason });
    });
    this.#client.on("disconnected", (ctx) => {
      metrics.wsConnected.set(0);
      logger.info("stream disconnected", { code: ctx.code, reason: ctx.reason });
    });
    this.#client.on("error", (ctx) => {
      logger.debug("stream error", { type: ctx.type, error: ctx.error?.message });
    });
    for (const symbol of this.#o.symbols) this.#subscribe(symbol);
    this.#client.connect();
    this.#timer = setInterval(() => this.#tick(), 1000);
    this.#tick();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    for (const sub of this.#subs.values()) sub.removeAllListeners();
    this.#client.removeAllListeners();
    this.#client.disconnect();
    this.#o.metrics.wsConnected.set(0);
  }

  /** The SDK's delta statistics of a symbol's subscription (full and `fossil`-delta publications). */
  deltaStats(symbol: string) {
    return this.#subs.get(symbol)?.deltaStats();
  }

  needsPolling(symbol: string): boolean {
    const state = this.#channels.get(symbol);
    return state === undefined || !this.#isLive(state, this.#now());
  }

  status(symbol: string): SymbolSourceStatus {
    const state = this.#channels.get(symbol);
    const now = this.#now();
    const heard = state?.lastHeardAt;
    return {
      source: state && this.#isLive(state, now) ? "websocket" : "poll",
      lastPushAgeMs: heard === undefined ? null : Math.max(0, now - heard),
      reconnects: this.#reconnects,
    };
  }

  #isLive(state: ChannelState, now: number): boolean {
    return (
      state.subscribed && state.lastHeardAt !== undefined && now - state.lastHeardAt <= this.#o.silenceMs
    );
  }

  #subscribe(symbol: string): void {
    const { poller, metrics, logger } = this.#o;
    const channel = candleChannel(symbol, this.#o.resolution);
    const state = this.#channels.get(symbol);
    if (!state) return;
    const sub = this.#client.newSubscription(channel, this.#o.delta ? { delta: "fossil" } : {});
    sub.on("subscribed", () => {
      state.subscribed = true;
      state.lastHeardAt = this.#now();
      // The gap since the last candle seen, from the UDF endpoint, ahead of any push in this lane.
      void poller.pollSymbol(symbol).then((outcome) => logger.debug("gap filled", { symbol, outcome }));
    });
    sub.on("unsubscribed", (ctx) => {
      state.subscribed = false;
      logger.warn("stream unsubscribed", { symbol, code: ctx.code, reason: ctx.reason });
    });
    sub.on("error", (ctx) => logger.warn("subscription error", { symbol, error: ctx.error?.message }));
    sub.on("publication", (ctx) => {
      const parsed = parsePushData(ctx.data);
      if ("malformed" in parsed) {
        metrics.pushesMalformed.inc({ symbol, reason: parsed.malformed });
        metrics.pushes.inc({ symbol, outcome: "malformed" });
        logger.warn("push dropped", { symbol, reason: parsed.malformed, detail: parsed.detail });
        return;
      }
      const now = this.#now();
      state.lastHeardAt = now;
      state.lastPushAt = now;
      void poller.acceptPush(symbol, parsed.candle).then((outcome) => {
        metrics.pushes.inc({ symbol, outcome });
        if (outcome === "stale")
          logger.warn("push dropped", {
            symbol,
            reason: "stale",
            openTime: new Date(parsed.candle.openTime).toISOString(),
          });
      });
      this.#tick();
    });
    this.#subs.set(symbol, sub);
    sub.subscribe();
  }

  /** Gauges, and one log line when a symbol's stream falls silent or comes back. */
  #tick(): void {
    const { metrics, logger } = this.#o;
    const now = this.#now();
    for (const [symbol, state] of this.#channels) {
      const live = this.#isLive(state, now);
      metrics.liveSource.set({ symbol, source: "websocket" }, live ? 1 : 0);
      metrics.liveSource.set({ symbol, source: "poll" }, live ? 0 : 1);
      if (state.lastHeardAt !== undefined)
        metrics.lastPushAge.set({ symbol }, (now - state.lastHeardAt) / 1000);
      if (live === !state.silent) continue;
      state.silent = !live;
      if (live) logger.info("stream live for symbol: polls stop covering it", { symbol });
      else
        logger.warn("stream silent for symbol: polls cover it until pushes return", {
          symbol,
          silenceMs: this.#o.silenceMs,
        });
    }
  }
}
