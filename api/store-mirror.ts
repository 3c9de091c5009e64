/**
 * A StoreReader that answers the API's hot reads — `summarize`, `aggregate` and `bars` over recent
 * windows — from an in-memory copy of the last `API_MIRROR_DAYS` of every symbol's rows, and passes
 * everything else to the store.
 *
 * Why: each of those reads is one small SQL query, and on a small machine the database's per-query
 * cost, not the rows scanned, caps how many a second it answers; a dashboard's users each asking for
 * their own range never share a cached answer. In memory the same reads cost microseconds.
 *
 * How it stays the store's copy (it reads only through the StoreReader port, so it works over any
 * store): at start and every `resyncMs` it reloads each symbol's whole mirrored range; every
 * `refreshMs` it re-reads each symbol's last `tailMinutes` (new candles, and the forming candle's
 * updates). A minute written further back than that (a backfill after an outage) shows at the next
 * reload. Answers are therefore at most about `refreshMs` behind the store, like the answer cache's
 * 1 s; a symbol whose last successful refresh is older than `staleAfterMs` (the store is failing) is
 * answered by the store again, so the mirror never serves old data while the store is unreachable.
 * A window that starts before the mirrored range goes to the store.
 */

import { describeError } from "@shamdan/shared/core/errors";
import type { Logger } from "@shamdan/shared/core/log";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import type {
  Aggregation,
  Bar,
  NumericField,
  StoreReader,
  Summary,
  TimeWindow,
} from "@shamdan/shared/core/store";
import { Counter, Gauge, type Registry } from "prom-client";
import { MirroredSeries } from "./mirrored-series.ts";

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
/** Far enough ahead to include any plausible open time (the store clamps it). */
const FOREVER = 8_640_000_000_000_000;
/** Rows per read while loading: the stores' usual page size. */
const PAGE = 10_000;
const MAX_INTERVAL_SECONDS = 366 * 86_400;

export interface StoreMirrorOptions {
  /** How many days back from now each symbol is mirrored. */
  days: number;
  /** Period of the refresh of every symbol's last `tailMinutes`. */
  refreshMs: number;
  /** Period of the full reload (new symbols, and minutes rewritten further back). */
  resyncMs?: number;
  tailMinutes?: number;
  /** A symbol not refreshed for this long is answered by the store. */
  staleAfterMs?: number;
  /** Symbols mirrored even before they have rows (the configured ones); the store's are added. */
  symbols: readonly string[];
  logger: Logger;
  registry?: Registry;
  now?: () => number;
}

interface Mirrored {
  series: MirroredSeries;
  /** Rows from here on are all in `series`. */
  coveredFrom: number;
  /** When the last successful refresh of this symbol started. */
  freshAt: number;
}

export class StoreMirror implements StoreReader {
  readonly #mirrored = new Map<string, Mirrored>();
  readonly #now: () => number;
  readonly #resyncMs: number;
  readonly #tailMs: number;
  readonly #staleAfterMs: number;
  readonly #reads: Counter<"answered_by"> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #lastResync = Number.NEGATIVE_INFINITY;
  #failing = false;

  constructor(
    private readonly store: StoreReader,
    private readonly options: StoreMirrorOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#resyncMs = options.resyncMs ?? 60_000;
    this.#tailMs = (options.tailMinutes ?? 15) * MINUTE;
    this.#staleAfterMs = options.staleAfterMs ?? Math.max(5 * options.refreshMs, 5000);
    if (options.registry) {
      const registers = [options.registry];
      this.#reads = new Counter({
        name: "shamdan_api_mirror_reads_total",
        help: "summarize/aggregate/bars reads by who answered: the in-memory mirror or the store",
        labelNames: ["answered_by"],
        registers,
      });
      const mirrored = this.#mirrored;
      new Gauge({
        name: "shamdan_api_mirror_rows",
        help: "Rows held by the in-memory mirror of the last API_MIRROR_DAYS",
        registers,
        collect() {
          this.set([...mirrored.values()].reduce((sum, m) => sum + m.series.length, 0));
        },
      });
    }
  }

  /** Loads the mirror in the background and keeps it refreshed until `stop()`. */
  start(): void {
    const cycle = async () => {
      if (this.#stopped) return;
      this.#running = this.refresh();
      await this.#running;
      if (!this.#stopped) this.#timer = setTimeout(cycle, this.options.refreshMs);
    };
    void cycle();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Resolves once every known symbol has been loaded (tests, benchmarks). */
  async loaded(): Promise<void> {
    while (!this.#stopped && (this.#lastResync === Number.NEGATIVE_INFINITY || this.#failing))
      await Bun.sleep(20);
  }

  async summarize(window: TimeWindow): Promise<Summary> {
    const mirrored = this.#covering(window);
    return mirrored ? mirrored.series.summarize(window.from, window.to) : this.store.summarize(window);
  }

  async aggregate(window: TimeWindow, field: NumericField, aggregation: Aggregation): Promise<number | null> {
    const mirrored = this.#covering(window);
    return mirrored
      ? mirrored.series.aggregate(window.from, window.to, field, aggregation)
      : this.store.aggregate(window, field, aggregation);
  }

  async bars(window: TimeWindow, intervalSeconds: number, limit: number): Promise<Bar[]> {
    // Arguments the store would refuse go to the store, which refuses them with its own error.
    const valid =
      Number.isSafeInteger(intervalSeconds) &&
      intervalSeconds >= 1 &&
      intervalSeconds <= MAX_INTERVAL_SECONDS &&
      Number.isSafeInteger(limit) &&
      limit >= 0;
    const mirrored = valid ? this.#covering(window) : undefined;
    return mirrored
      ? mirrored.series.bars(window.from, window.to, intervalSeconds, limit)
      : this.store.bars(window, intervalSeconds, limit);
  }

  ping = () => this.store.ping();
  rows: StoreReader["rows"] = (window, limit) => this.store.rows(window, limit);
  signals: StoreReader["signals"] = (window, options) => this.store.signals(window, options);
  latestSignals: StoreReader["latestSignals"] = () => this.store.latestSignals();
  scorecard: StoreReader["scorecard"] = (window) => this.store.scorecard(window);
  symbols: StoreReader["symbols"] = () => this.store.symbols();

  async close(): Promise<void> {
    await this.stop();
    await this.store.close();
  }

  #covering(window: TimeWindow): Mirrored | undefined {
    const mirrored = this.#mirrored.get(window.symbol);
    const answers =
      mirrored !== undefined &&
      window.from >= mirrored.coveredFrom &&
      this.#now() - mirrored.freshAt <= this.#staleAfterMs;
    this.#reads?.inc({ answered_by: answers ? "mirror" : "store" });
    return answers ? mirrored : undefined;
  }

  /**
   * One cycle (the timer runs one every `refreshMs`; tests call it directly): a full reload when due,
   * else the tail of every symbol. Never throws: a failure is logged once per change.
   */
  async refresh(): Promise<void> {
    try {
      if (this.#now() - this.#lastResync >= this.#resyncMs) await this.#resync();
      else for (const [symbol, mirrored] of this.#mirrored) await this.#tail(symbol, mirrored);
      if (this.#failing) this.options.logger.info("store mirror refreshing again");
      this.#failing = false;
    } catch (error) {
      if (!this.#failing)
        this.options.logger.warn("store mirror cannot refresh; the store answers meanwhile", {
          error: describeError(error),
        });
      this.#failing = true;
    }
  }

  async #resync(): Promise<void> {
    const started = this.#now();
    const coveredFrom = Math.floor((started - this.options.days * DAY) / MINUTE) * MINUTE;
    const stored = (await this.store.symbols()).map((info) => info.symbol);
    for (const symbol of new Set([...this.options.symbols, ...stored])) {
      const rows = await this.#read(symbol, coveredFrom);
      if (this.#stopped) return;
      this.#mirrored.set(symbol, { series: MirroredSeries.of(rows), coveredFrom, freshAt: started });
    }
    if (this.#lastResync === Number.NEGATIVE_INFINITY)
      this.options.logger.info("store mirror loaded", {
        days: this.options.days,
        symbols: this.#mirrored.size,
        rows: [...this.#mirrored.values()].reduce((sum, m) => sum + m.series.length, 0),
      });
    this.#lastResync = started;
  }

  async #tail(symbol: string, mirrored: Mirrored): Promise<void> {
    const started = this.#now();
    const last = mirrored.series.lastOpenTime;
    const from = Math.max(mirrored.coveredFrom, last === undefined ? 0 : last - this.#tailMs);
    for (const row of await this.#read(symbol, from)) mirrored.series.upsert(row);
    mirrored.freshAt = started;
  }

  /** Every row of `symbol` from `from` on, page by page. */
  async #read(symbol: string, from: number): Promise<IndicatorRow[]> {
    const rows: IndicatorRow[] = [];
    let next = from;
    for (;;) {
      const page = await this.store.rows({ symbol, from: next, to: FOREVER }, PAGE);
      rows.push(...page);
      const last = page.at(-1);
      if (page.length < PAGE || last === undefined) return rows;
      next = last.openTime + 1;
    }
  }
}
