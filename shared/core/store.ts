/**
 * The `Store` port: the sink's write side and the API's read side. Two adapters implement it:
 * QuestDB (ILP writes with @questdb/nodejs-client, SQL reads with postgres.js over PG wire) and
 * SQLite (bun:sqlite, embedded mode). One contract suite (store.contract.ts) runs against both.
 *
 * Rows are identified by (symbol, openTime): writing a row again replaces it (QuestDB DEDUP UPSERT
 * KEYS(local_time, stock_symbol); SQLite primary key + upsert). Undefined indicator values are null.
 * Time windows are half-open: from <= openTime < to, epoch ms UTC.
 *
 * Errors are ShamdanErrors: STORE_UNAVAILABLE / STORE_TIMEOUT (canRetry: the API answers 503, the
 * sink backs off and retries the same batch), STORE_BAD_INPUT, STORE_QUERY_FAILED, and on writes
 * STORE_REJECTED (the store refuses these rows, e.g. QuestDB's HTTP 4xx: not retryable) and
 * STORE_SERVER_ERROR (QuestDB's HTTP 5xx, canRetry: the store is failing, or it failed on these rows;
 * `pingWrites` tells the two apart). Messages carry the store's own reason.
 */
import type { Candle } from "@shamdan/indicators";
import { type IndicatorRow, ROW_NUMBER_FIELDS, type SignalKind } from "./messages.ts";

/** Numeric fields by their logical name; the table's column names come from `indicatorColumns(config)`. */
export const NUMERIC_FIELDS = ROW_NUMBER_FIELDS;
export type NumericField = (typeof NUMERIC_FIELDS)[number];

export const AGGREGATIONS = ["avg", "highest", "lowest"] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface TimeWindow {
  symbol: string;
  from: number;
  to: number;
}

export interface Stats {
  avg: number | null;
  highest: number | null;
  lowest: number | null;
}

/** What the original system's `/api/summarize/` reports for one symbol and window. */
export interface Summary {
  close: Stats;
  sma: Stats;
  ema: Stats;
  rsi: Stats;
  highestGain: number | null;
  highestLoss: number | null;
  rows: number;
}

/** One OHLCV bar (a candle), downsampled when `intervalSeconds` is coarser than the stored candles. */
export interface Bar extends Candle {
  /** Indicator values of the bar's last stored candle. */
  sma: number | null;
  ema: number | null;
  rsi: number | null;
  signal: SignalKind;
}

export interface SignalEvent {
  symbol: string;
  openTime: number;
  close: number;
  signal: SignalKind;
  signalChanged: boolean;
  sma: number | null;
  ema: number | null;
  rsi: number | null;
}

export interface SymbolInfo {
  symbol: string;
  lastOpenTime: number;
  latestSignal: SignalKind;
  rows: number;
}

/** The scorecard's horizons: how long after a signal change its forward return is measured. */
export const SCORECARD_HORIZONS_MINUTES = [5, 15, 60] as const;

/**
 * How the signal changes to BUY or SELL of one symbol did after one horizon: the changes whose candle
 * `horizonMinutes` later is stored (`count`), those that went the signal's way (`hits`: BUY and the
 * later close higher, SELL and lower), and the mean forward return in the signal's direction.
 */
export interface ScorecardRow {
  symbol: string;
  horizonMinutes: number;
  count: number;
  hits: number;
  hitRate: number | null;
  meanReturn: number | null;
}

export interface StoreWriter {
  /** Creates the table if missing (idempotent). */
  init(): Promise<void>;
  /**
   * Resolves only once the store acknowledged the rows, all or none; throws a ShamdanError otherwise
   * (STORE_UNAVAILABLE / STORE_TIMEOUT: not reached; STORE_REJECTED / STORE_SERVER_ERROR: answered
   * with a refusal or a failure, see above).
   */
  write(rows: readonly IndicatorRow[]): Promise<void>;
  /**
   * Throws unless the write path answers a trivial health check now (QuestDB: HTTP /ping on the ILP
   * address). The sink calls it after a STORE_SERVER_ERROR: a failing check means the store is down
   * (wait and retry), a passing one that it failed on the rows (isolate them). Optional: a writer
   * without it counts as healthy.
   */
  pingWrites?(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreReader {
  /** Throws when the store is unreachable (readiness probe). */
  ping(): Promise<void>;
  /** null for an empty window or when every value in it is null. */
  aggregate(window: TimeWindow, field: NumericField, aggregation: Aggregation): Promise<number | null>;
  summarize(window: TimeWindow): Promise<Summary>;
  /**
   * Buckets start at epoch multiples of `intervalSeconds` (whole seconds, 1 s..366 d); only non-empty
   * buckets are returned. Like `rows` and `signals`: ascending time, the EARLIEST `limit` entries
   * (page on by moving `from`). Bad interval/limit => ShamdanError STORE_BAD_INPUT (not retryable).
   */
  bars(window: TimeWindow, intervalSeconds: number, limit: number): Promise<Bar[]>;
  /** Rows read back have `replaced: false` (not stored: a stored row is the final value of its minute). */
  rows(window: TimeWindow, limit: number): Promise<IndicatorRow[]>;
  signals(
    window: Omit<TimeWindow, "symbol"> & { symbol?: string },
    options: { changesOnly: boolean; limit: number },
  ): Promise<SignalEvent[]>;
  /** Sorted by symbol, as are `symbols()`; `signals` orders by (openTime, symbol). */
  latestSignals(): Promise<SignalEvent[]>;
  /**
   * Per symbol (all, or `symbol`) and horizon (SCORECARD_HORIZONS_MINUTES), over the changes whose
   * candle opened in [from, to); the later candles may lie after `to`. Sorted by symbol, then horizon;
   * a symbol and horizon without a measurable change is absent.
   */
  scorecard(window: Omit<TimeWindow, "symbol"> & { symbol?: string }): Promise<ScorecardRow[]>;
  symbols(): Promise<SymbolInfo[]>;
  close(): Promise<void>;
}

export type Store = StoreWriter & StoreReader;
