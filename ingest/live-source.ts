/**
 * Where ingest's live candles come from (`LIVE_SOURCE`). Both sources feed the same Poller state, so
 * every candle, polled or pushed, passes the same checks and dedup and leaves in time order:
 * - `poll`: the UDF endpoint on `POLL_CRON` for every symbol (the poller alone);
 * - `websocket`: Nobitex's Centrifugo stream (ws-source.ts); the UDF endpoint still backfills at start,
 *   fills the gap on every (re)subscribe and each new period, and is polled for a symbol whose stream
 *   has been silent longer than `WS_SILENCE_MS`, until pushes return.
 */
export type LiveSourceName = "websocket" | "poll";

export interface SymbolSourceStatus {
  /** What delivers this symbol's live candles now. */
  source: LiveSourceName;
  /** Milliseconds since the stream's last push (or since it subscribed); null without a stream. */
  lastPushAgeMs: number | null;
  /** Times the stream connected again after losing its connection. */
  reconnects: number;
}

export interface LiveSource {
  readonly name: LiveSourceName;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether the scheduled polls must cover this symbol (the poller asks on every run). */
  needsPolling(symbol: string): boolean;
  status(symbol: string): SymbolSourceStatus;
}

/** Polling only: every symbol is polled on every run. */
export class PollLiveSource implements LiveSource {
  readonly name = "poll" as const;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  needsPolling(): boolean {
    return true;
  }
  status(): SymbolSourceStatus {
    return { source: "poll", lastPushAgeMs: null, reconnects: 0 };
  }
}
