/**
 * The ingest poller: a croner job (`protect`: runs never overlap) polls every
 * configured symbol with bounded concurrency, publishes new or changed candles as CandleMessages to
 * `topicFor(symbol)` (key = symbol) through the Bus port, and keeps per-symbol state:
 * - the last seen open time: the next poll starts there, inclusive, so the still-forming candle is
 *   re-read until it closes and its final value wins;
 * - the dedup memory of what was published (unchanged re-deliveries are not published);
 * - candles rejected by validation, re-read a few times (a transient bad value must not lose a minute);
 *   the candles after a rejected one are held back until it arrives valid or is given up, so each
 *   symbol's candles are published in time order (the processor drops a candle older than its last);
 * - its own backoff: one symbol's trouble never stalls the others.
 * A symbol without state (start-up, or every poll failed so far) fetches the last BACKFILL_CANDLES
 * periods, paginated, so a restart re-reads an overlapping window and leaves no gap. A range longer
 * than one page (the backfill, or the gap after a long outage) is read BACKFILL_CONCURRENCY pages at a
 * time and published page by page in time order as they arrive (paged-range.ts); every request of every
 * symbol shares one limit of POLL_CONCURRENCY x BACKFILL_CONCURRENCY in flight.
 * Candles that are well-formed but implausible (shared/core/plausibility.ts: open time before 2010 or over a
 * day ahead of the clock, a value above 1e18) are dropped and counted like invalid ones.
 * Readiness and log lines follow the state of the polls, not each poll (poll-health.ts).
 *
 * Candles pushed by the WebSocket stream (ws-source.ts) enter through `acceptPush` and share that
 * state: the same checks, the same dedup, the same hold-back. Each symbol's polls and pushes run one
 * at a time (a per-symbol lane), so a poll's answer and a push can never be published interleaved.
 */
import type { Bus } from "@shamdan/shared/core/bus";
import { type Config, topicFor } from "@shamdan/shared/core/config";
import { describeError } from "@shamdan/shared/core/errors";
import type { Logger } from "@shamdan/shared/core/log";
import type { CandleMessage } from "@shamdan/shared/core/messages";
import {
  type Candle,
  CandleProblem,
  candleProblem,
  implausibility,
  type RejectedCandle,
} from "@shamdan/shared/core/udf";
import { Cron } from "croner";
import { Backoff, type BackoffPolicy, defaultBackoffPolicy } from "./backoff.ts";
import { CandleDedup } from "./candle-dedup.ts";
import type { IngestMetrics } from "./metrics.ts";
import { type HistoryPage, MAX_CANDLES_PER_PAGE } from "./nobitex-client.ts";
import { NobitexError } from "./nobitex-error.ts";
import { type PageWindow, pagedRange, pageWindows, RequestLimit } from "./paged-range.ts";
import { PollHealth, type PollHealthOptions } from "./poll-health.ts";
import { alignDown, resolutionSeconds } from "./resolution.ts";

export type PollerConfig = Pick<
  Config,
  | "SYMBOLS"
  | "RESOLUTION"
  | "POLL_CRON"
  | "BACKFILL_CANDLES"
  | "BACKFILL_CONCURRENCY"
  | "POLL_CONCURRENCY"
  | "TOPIC_TEMPLATE"
  | "TOPIC_PARTITIONS"
  | "TOPIC_REPLICATION"
>;

/** What the poller needs from the Nobitex client (NobitexClient implements it). */
export interface CandleSource {
  fetchRange(
    query: { symbol: string; resolution: string; from: number; to: number },
    signal?: AbortSignal,
  ): Promise<HistoryPage>;
}

export interface PollerOptions {
  config: PollerConfig;
  bus: Bus;
  source: CandleSource;
  metrics: IngestMetrics;
  logger: Logger;
  /** Epoch ms; injectable so tests can run an accelerated clock shared with the fake server. */
  now?: () => number;
  random?: () => number;
  backoff?: BackoffPolicy;
  /** How many polls re-read a rejected candle before giving it up. */
  maxRereads?: number;
  /** Tries per page of a long range before the poll fails (and backs off); default 3. */
  pageAttempts?: number;
  /** When a symbol counts as failing (poll-health.ts); ingest is not ready while all of them are. */
  health?: PollHealthOptions;
  /** Base URL polled, named in the not-ready log line. */
  sourceName?: string;
  /**
   * Which symbols the scheduled runs poll (default all). With the WebSocket as the live source only the
   * symbols whose stream is not live are polled; the first run (the backfill) always covers every one.
   */
  shouldPoll?: (symbol: string) => boolean;
}

/** Why a pushed candle was not published, besides the validation reasons of CandleProblem. */
export type PushOutcome = "published" | "unchanged" | "held_back" | "stale" | "rejected";

interface SymbolState {
  dedup: CandleDedup;
  backoff: Backoff;
  /** Open time (ms) of a rejected candle -> polls that re-read it so far. */
  rejected: Map<number, number>;
  /** Tail of this symbol's lane: polls and pushes of one symbol run one after the other. */
  lane: Promise<unknown>;
}

export type PollOutcome = "ok" | "no_data" | "error" | "publish_failed" | "backing_off";

/**
 * Open times remembered per symbol for dedup: a poll re-reads from the last one seen (or the oldest
 * rejected one), so only recent candles come again; a long backfill needs no more than a short one.
 */
const DEDUP_CAPACITY = 10_000;
/**
 * Pages of a long range answered ahead of the one being published (10,000 candles per symbol): they
 * arrive while a publish waits for its acknowledgement, and go out together in the next one.
 */
const READ_AHEAD_PAGES = 20;

/** What one poll fetched and published. */
interface Fetched {
  status: HistoryPage["status"];
  received: number;
  published: number;
}

export class Poller {
  readonly #o: Required<Omit<PollerOptions, "backoff" | "health" | "sourceName" | "shouldPoll">>;
  readonly #backoffPolicy: BackoffPolicy;
  /** Requests to the source in flight, over every symbol. */
  readonly #requests: RequestLimit;
  readonly #shouldPoll: ((symbol: string) => boolean) | undefined;
  readonly #health: PollHealth;
  readonly #sourceName: string;
  readonly #state = new Map<string, SymbolState>();
  readonly #periodS: number;
  readonly #abort = new AbortController();
  #job: Cron | undefined;
  #run: Promise<void> | undefined;
  #firstRunDone = false;

  constructor(options: PollerOptions) {
    this.#o = {
      ...options,
      now: options.now ?? Date.now,
      random: options.random ?? Math.random,
      maxRereads: options.maxRereads ?? 3,
      pageAttempts: options.pageAttempts ?? 3,
    };
    this.#backoffPolicy = options.backoff ?? defaultBackoffPolicy;
    this.#requests = new RequestLimit(options.config.POLL_CONCURRENCY * options.config.BACKFILL_CONCURRENCY);
    this.#periodS = resolutionSeconds(options.config.RESOLUTION);
    this.#health = new PollHealth(options.config.SYMBOLS, options.health);
    this.#sourceName = options.sourceName ?? "Nobitex";
    this.#shouldPoll = options.shouldPoll;
    for (const symbol of options.config.SYMBOLS) {
      this.#state.set(symbol, {
        dedup: new CandleDedup(DEDUP_CAPACITY),
        backoff: new Backoff(this.#backoffPolicy, this.#o.random),
        rejected: new Map(),
        lane: Promise.resolve(),
      });
    }
  }

  /**
   * Ready once the topics exist and the first run (the backfill) finished, and as long as at least
   * one symbol is not failing (poll-health.ts).
   */
  get ready(): boolean {
    return this.#firstRunDone && !this.#health.allFailing;
  }

  /** Creates the topics, runs the first poll (backfill) at once, then follows the cron schedule. */
  async start(): Promise<void> {
    const { config, bus } = this.#o;
    await bus.ensureTopics(
      config.SYMBOLS.map((s) => ({
        name: topicFor(config, s),
        partitions: config.TOPIC_PARTITIONS,
        replication: config.TOPIC_REPLICATION,
      })),
    );
    await this.runOnce();
    this.#firstRunDone = true;
    this.#job = new Cron(
      config.POLL_CRON,
      {
        protect: () => this.#o.metrics.overlapsSkipped.inc(),
        catch: (error) => this.#o.logger.error("poll run failed", { error: describeError(error) }),
      },
      () => this.runOnce(this.#shouldPoll),
    );
  }

  /** Stops the schedule, aborts requests in flight and waits for the current run to settle. */
  async stop(): Promise<void> {
    this.#job?.stop();
    this.#abort.abort();
    await this.#run?.catch(() => {});
    // Pushes accepted before the stream stopped finish their publish before the caller closes the bus.
    await Promise.all([...this.#state.values()].map((state) => state.lane));
  }

  /** One run over every symbol (or those `only` selects) not backing off, at most POLL_CONCURRENCY at a time. */
  runOnce(only?: (symbol: string) => boolean): Promise<void> {
    const run = (async () => {
      const queue = this.#o.config.SYMBOLS.filter((s) => only?.(s) ?? true);
      const worker = async () => {
        for (let symbol = queue.shift(); symbol !== undefined; symbol = queue.shift()) {
          await this.pollSymbol(symbol);
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(this.#o.config.POLL_CONCURRENCY, queue.length) }, worker),
      );
    })();
    this.#run = run;
    return run;
  }

  /** Polls one symbol; never throws (every failure is logged, counted and backed off). */
  pollSymbol(symbol: string): Promise<PollOutcome> {
    const state = this.#stateOf(symbol);
    return this.#inLane(state, () => this.#poll(symbol, state));
  }

  /**
   * A candle pushed by the stream, already parsed (ws-source.ts). A candle older than the last one seen
   * is dropped as `stale` (publishing it would break time order). A candle of a later period than the
   * last one seen first triggers a poll from that last one, inclusive: it fills any gap and publishes
   * the previous period's final values (the stream's last push of a period comes up to ten seconds
   * before it closes) before the new period goes out. Then the push goes through the same plausibility
   * checks, hold-back and dedup as a polled candle. Never throws.
   */
  acceptPush(symbol: string, candle: Candle): Promise<PushOutcome> {
    const state = this.#stateOf(symbol);
    return this.#inLane(state, async () => {
      const lastSeen = state.dedup.lastSeenOpenTime;
      if (lastSeen !== undefined && candle.openTime < lastSeen) return "stale";
      if (lastSeen === undefined || candle.openTime > lastSeen) {
        const polled = await this.#poll(symbol, state);
        // Liveness over completeness: the new period goes out, and the previous one keeps the values of
        // its last push (published after this one, a correction would be out of order downstream).
        if (
          lastSeen !== undefined &&
          (polled === "error" || polled === "backing_off" || polled === "publish_failed")
        )
          this.#o.logger.warn("new period pushed while the UDF endpoint fails", {
            symbol,
            openTime: new Date(candle.openTime).toISOString(),
            poll: polled,
          });
      }
      const after = state.dedup.lastSeenOpenTime;
      if (after !== undefined && candle.openTime < after) return "stale";
      const problem = candleProblem(candle);
      const page: HistoryPage = problem
        ? { status: "ok", candles: [], rejected: [{ index: 0, openTime: candle.openTime, reason: problem }] }
        : { status: "ok", candles: [candle], rejected: [] };
      const outcome = await this.#publishPage(symbol, state, page, this.#o.now());
      if (outcome === "publish_failed") return "rejected";
      if (problem || state.rejected.has(candle.openTime)) return "rejected";
      return outcome.published > 0 ? "published" : outcome.held > 0 ? "held_back" : "unchanged";
    });
  }

  /** Runs `task` after everything queued for this symbol; a failed task does not block the lane. */
  #inLane<T>(state: SymbolState, task: () => Promise<T>): Promise<T> {
    const run = state.lane.then(task, task);
    state.lane = run.catch(() => {});
    return run;
  }

  #stateOf(symbol: string): SymbolState {
    const state = this.#state.get(symbol);
    if (!state) throw new RangeError(`symbol ${symbol} is not configured`);
    return state;
  }

  async #poll(symbol: string, state: SymbolState): Promise<PollOutcome> {
    const { metrics, logger } = this.#o;
    const now = this.#o.now();
    if (state.backoff.isWaiting(now) || this.#abort.signal.aborted) {
      metrics.polls.inc({ symbol, outcome: "backing_off" });
      return "backing_off";
    }
    const to = Math.floor(now / 1000);
    const from = this.#fromFor(state, to);
    const windows = pageWindows(from, to, this.#periodS, MAX_CANDLES_PER_PAGE);
    let result: Fetched | "publish_failed";
    try {
      result =
        windows.length > 1
          ? await this.#fetchPaged(symbol, state, windows, now)
          : await this.#fetchOne(symbol, state, { from, to }, now);
    } catch (error) {
      if (this.#abort.signal.aborted) return "error";
      const kind = error instanceof NobitexError ? error.fault : "unknown";
      return this.#failed(symbol, state, "error", kind, error);
    }
    if (result === "publish_failed") return result;
    state.backoff.onSuccess();
    const change = this.#health.onSuccess(symbol, this.#o.now());
    if (change.recovered) logger.info("polls work again", { symbol, failedPolls: change.endedFailures });
    this.#logChange(symbol, change);
    metrics.backoffSeconds.set({ symbol }, 0);
    metrics.consecutiveFailures.set({ symbol }, 0);
    metrics.lastSuccess.set({ symbol }, this.#o.now() / 1000);
    const outcome = result.status === "ok" ? "ok" : "no_data";
    metrics.polls.inc({ symbol, outcome });
    logger.debug("polled", { symbol, from, to, received: result.received, published: result.published });
    return outcome;
  }

  /** A range of one page: one request, then publish. */
  async #fetchOne(
    symbol: string,
    state: SymbolState,
    range: { from: number; to: number },
    now: number,
  ): Promise<Fetched | "publish_failed"> {
    const page = await this.#requests.run(() =>
      this.#o.source.fetchRange(
        { symbol, resolution: this.#o.config.RESOLUTION, ...range },
        this.#abort.signal,
      ),
    );
    const result = await this.#publishPage(symbol, state, page, now);
    if (result === "publish_failed") return result;
    return { status: page.status, received: page.candles.length, published: result.published };
  }

  /**
   * A range of many pages, fetched several at a time and published in time order as they arrive. A
   * page that fails every try throws: what was published before it stays published and recorded, so
   * the next poll continues from there. A rejected candle ends the range early: the pages after it
   * would be held back anyway, and the next poll re-reads from it.
   */
  async #fetchPaged(
    symbol: string,
    state: SymbolState,
    windows: PageWindow[],
    now: number,
  ): Promise<Fetched | "publish_failed"> {
    const { config, source, logger } = this.#o;
    const started = performance.now();
    const total: Fetched = { status: "no_data", received: 0, published: 0 };
    const pages = pagedRange({
      windows,
      fetch: (w, signal) =>
        source.fetchRange({ symbol, resolution: config.RESOLUTION, from: w.from, to: w.to }, signal),
      concurrency: config.BACKFILL_CONCURRENCY,
      readAhead: READ_AHEAD_PAGES,
      limit: this.#requests,
      attempts: this.#o.pageAttempts,
      backoff: this.#backoffPolicy,
      random: this.#o.random,
      signal: this.#abort.signal,
    });
    for await (const group of pages) {
      const page = joinPages(group.map((g) => g.page));
      if (page.status === "ok") total.status = "ok";
      total.received += page.candles.length;
      const result = await this.#publishPage(symbol, state, page, now);
      if (result === "publish_failed") return result;
      total.published += result.published;
      if (state.rejected.size > 0) break;
    }
    logger.info("range read", {
      symbol,
      pages: windows.length,
      received: total.received,
      published: total.published,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    });
    return total;
  }

  /**
   * Validation, hold-back, dedup and publish of candles from either source: what polls and pushes share.
   * A failed publish is counted, backed off and reported as `publish_failed` (nothing remembered, so
   * the candles go out on the next poll or push).
   */
  async #publishPage(
    symbol: string,
    state: SymbolState,
    received: HistoryPage,
    now: number,
  ): Promise<{ published: number; held: number } | "publish_failed"> {
    const { metrics, config } = this.#o;
    const page = plausiblePage(received, now);
    this.#trackRejected(symbol, state, page);
    // Candles after a rejected one wait until it was re-read (or given up): the processor takes each
    // symbol's candles in time order only, so a minute published after its successors would be lost.
    const holdFrom = Math.min(...state.rejected.keys());
    const candles = page.candles.filter((c) => c.openTime < holdFrom);
    const fresh = state.dedup.changed(candles);
    metrics.unchanged.inc({ symbol }, candles.length - fresh.length);
    if (fresh.length > 0) {
      const fetchedAt = this.#o.now();
      try {
        await this.#o.bus.publish(
          topicFor(config, symbol),
          fresh.map((c) => ({
            key: symbol,
            value: JSON.stringify(toMessage(symbol, config.RESOLUTION, c, fetchedAt)),
          })),
        );
      } catch (error) {
        this.#failed(symbol, state, "publish_failed", "publish", error);
        return "publish_failed";
      }
      state.dedup.remember(fresh);
      metrics.published.inc({ symbol }, fresh.length);
    }
    const last = candles.at(-1);
    if (last) state.dedup.advanceTo(last.openTime);
    return { published: fresh.length, held: page.candles.length - candles.length };
  }

  /** Per-symbol view for tests and `/readyz`: poll state, and whether its polls work (poll-health.ts). */
  symbolState(symbol: string) {
    const state = this.#state.get(symbol);
    const now = this.#o.now();
    return (
      state && {
        ...this.#health.symbol(symbol, now),
        lastSeenOpenTime: state.dedup.lastSeenOpenTime,
        failures: state.backoff.failures,
        backoffRemainingMs: state.backoff.remainingMs(now),
        pendingRejected: [...state.rejected.keys()],
      }
    );
  }

  #fromFor(state: SymbolState, to: number): number {
    const lastSeen = state.dedup.lastSeenOpenTime;
    if (lastSeen === undefined) {
      const periods = Math.max(this.#o.config.BACKFILL_CANDLES, 1);
      return alignDown(to, this.#periodS) - (periods - 1) * this.#periodS;
    }
    const oldestRejected = Math.min(...state.rejected.keys());
    return Math.floor(Math.min(lastSeen, oldestRejected) / 1000);
  }

  #trackRejected(symbol: string, state: SymbolState, page: HistoryPage): void {
    for (const c of page.candles) state.rejected.delete(c.openTime);
    for (const r of page.rejected) {
      this.#o.metrics.rejected.inc({ symbol, reason: r.reason });
      const rereads = (state.rejected.get(r.openTime) ?? 0) + 1;
      // An implausible time is not re-read: it can only get worse, and an ancient one would stretch
      // the next poll's window back to it.
      const giveUp = rereads > this.#o.maxRereads || r.reason === CandleProblem.implausibleTime;
      this.#o.logger.warn("candle rejected", {
        symbol,
        openTime: new Date(r.openTime).toISOString(),
        reason: r.reason,
        rereads,
        action: giveUp ? "given up" : "will re-read",
      });
      if (giveUp) state.rejected.delete(r.openTime);
      else state.rejected.set(r.openTime, rereads);
    }
  }

  #failed(
    symbol: string,
    state: SymbolState,
    outcome: PollOutcome,
    kind: string,
    error: unknown,
  ): PollOutcome {
    const { metrics, logger } = this.#o;
    const delay = state.backoff.onFailure(error, this.#o.now());
    metrics.polls.inc({ symbol, outcome });
    metrics.faults.inc({ symbol, kind });
    metrics.backoffSeconds.set({ symbol }, delay / 1000);
    metrics.consecutiveFailures.set({ symbol }, state.backoff.failures);
    const message = describeError(error);
    const change = this.#health.onFailure(symbol, kind, message, this.#o.now());
    // Logged when it is news (first failure, or a different one); repeats are counted, not logged.
    if (change.newFailure)
      logger.warn("poll failed", {
        symbol,
        kind,
        error: message,
        backoffMs: Math.round(delay),
        failures: state.backoff.failures,
        repeats: "not logged again until the error changes or a poll succeeds; counted in /metrics",
      });
    else
      logger.debug("poll failed again", { symbol, kind, error: message, failures: state.backoff.failures });
    this.#logChange(symbol, change);
    return outcome;
  }

  /** One line when ingest stops being ready (every symbol failing) and one when it is ready again. */
  #logChange(symbol: string, change: { becameNotReady: boolean; becameReady: boolean }): void {
    const { logger } = this.#o;
    if (change.becameReady) logger.info("ingest ready again: polls succeed", { symbol });
    if (!change.becameNotReady) return;
    const errors = this.#health.errors(this.#o.now());
    const all = Object.values(errors);
    const publishing = all.length > 0 && all.every((e) => e.kind === "publish");
    const check = publishing
      ? "every poll's publish to the bus fails: check that Kafka (KAFKA_BROKERS) is up and reachable"
      : `${this.#sourceName} is unreachable or failing from this machine (Nobitex expects Iranian IP addresses): set NOBITEX_BASE_URL to a reachable server, or run "bun start --demo" (recorded candles from a local fake Nobitex)`;
    logger.error("ingest not ready: every symbol's polls fail", {
      check,
      error: all[0]?.error,
      errors,
    });
  }
}

/** Consecutive pages as one (time order kept): one publish for what arrived together. */
function joinPages(pages: HistoryPage[]): HistoryPage {
  if (pages.length === 1) return pages[0] as HistoryPage;
  return {
    status: pages.some((p) => p.status === "ok") ? "ok" : "no_data",
    candles: pages.flatMap((p) => p.candles),
    rejected: pages.flatMap((p) => p.rejected),
  };
}

/** The page without its implausible candles, which join the rejected ones with their reason. */
function plausiblePage(page: HistoryPage, now: number): HistoryPage {
  let rejected: RejectedCandle[] | undefined;
  const candles = page.candles.filter((candle, index) => {
    const reason = implausibility(candle, now);
    if (reason === null) return true;
    rejected ??= [...page.rejected];
    rejected.push({ index, openTime: candle.openTime, reason });
    return false;
  });
  return rejected ? { ...page, candles, rejected } : page;
}

export function toMessage(symbol: string, resolution: string, c: Candle, fetchedAt: number): CandleMessage {
  return {
    v: 1,
    symbol,
    resolution,
    openTime: c.openTime,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    fetchedAt: Math.floor(fetchedAt),
  };
}
