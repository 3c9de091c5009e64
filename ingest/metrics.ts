/** Prometheus metrics of ingest, on their own registry so tests can make many. */
import { Counter, Gauge, Registry } from "prom-client";

// Long on purpose: a declarative list of metrics, a few lines of text each.
export function createIngestMetrics(registry: Registry = new Registry()) {
  const registers = [registry];
  return {
    registry,
    polls: new Counter({
      name: "shamdan_ingest_polls_total",
      help: "Polls of Nobitex by symbol and outcome (ok, no_data, error, publish_failed, backing_off)",
      labelNames: ["symbol", "outcome"] as const,
      registers,
    }),
    published: new Counter({
      name: "shamdan_ingest_candles_published_total",
      help: "Candles published to the bus (new, or a changed still-forming candle)",
      labelNames: ["symbol"] as const,
      registers,
    }),
    unchanged: new Counter({
      name: "shamdan_ingest_candles_unchanged_total",
      help: "Re-delivered candles not published because nothing changed",
      labelNames: ["symbol"] as const,
      registers,
    }),
    rejected: new Counter({
      name: "shamdan_ingest_candles_rejected_total",
      help: "Candles dropped by validation, by reason",
      labelNames: ["symbol", "reason"] as const,
      registers,
    }),
    faults: new Counter({
      name: "shamdan_ingest_faults_total",
      help: "Failed polls by kind (rate_limited, upstream_5xx, timeout, network, malformed, upstream_error, rejected, publish)",
      labelNames: ["symbol", "kind"] as const,
      registers,
    }),
    lastSuccess: new Gauge({
      name: "shamdan_ingest_last_success_timestamp_seconds",
      help: "Unix time of the last successful poll per symbol",
      labelNames: ["symbol"] as const,
      registers,
    }),
    backoffSeconds: new Gauge({
      name: "shamdan_ingest_backoff_seconds",
      help: "Current backoff delay per symbol (0 when polling normally)",
      labelNames: ["symbol"] as const,
      registers,
    }),
    consecutiveFailures: new Gauge({
      name: "shamdan_ingest_consecutive_failures",
      help: "Failed polls in a row per symbol",
      labelNames: ["symbol"] as const,
      registers,
    }),
    pushes: new Counter({
      name: "shamdan_ingest_pushes_total",
      help: "Candles pushed by the WebSocket stream, by outcome (published, unchanged, held_back, stale, rejected, malformed)",
      labelNames: ["symbol", "outcome"] as const,
      registers,
    }),
    pushesMalformed: new Counter({
      name: "shamdan_ingest_pushes_malformed_total",
      help: "Pushes dropped before validation because they are not a candle, by reason (not_json, bad_shape)",
      labelNames: ["symbol", "reason"] as const,
      registers,
    }),
    wsReconnects: new Counter({
      name: "shamdan_ingest_ws_reconnects_total",
      help: "Times the WebSocket stream connected again after losing its connection",
      registers,
    }),
    wsConnected: new Gauge({
      name: "shamdan_ingest_ws_connected",
      help: "1 while the WebSocket stream is connected",
      registers,
    }),
    liveSource: new Gauge({
      name: "shamdan_ingest_live_source",
      help: "1 for the source that currently delivers each symbol's live candles (websocket or poll)",
      labelNames: ["symbol", "source"] as const,
      registers,
    }),
    lastPushAge: new Gauge({
      name: "shamdan_ingest_last_push_age_seconds",
      help: "Seconds since the stream last pushed a candle for the symbol (since it subscribed, before the first push)",
      labelNames: ["symbol"] as const,
      registers,
    }),
    overlapsSkipped: new Counter({
      name: "shamdan_ingest_runs_skipped_total",
      help: "Scheduled runs skipped because the previous run was still going (croner protect)",
      registers,
    }),
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;

/** Sum of a counter's values whose labels match `labels` (tests and the bench read metrics this way). */
export async function counterValue(
  counter: Counter<string>,
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await counter.get();
  return values
    .filter((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((sum, x) => sum + x.value, 0);
}
