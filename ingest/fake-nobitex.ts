/**
 * A local stand-in for Nobitex `GET /market/udf/history` (docs/nobitex.md) serving recorded
 * candles (`DIR/<SYMBOL>.udf.json`) with the real endpoint's semantics: `symbol`, `resolution` (only
 * the recording's; another one answers `{"s":"error","errmsg":"Invalid resolution!"}`), `to`
 * (required, inclusive), `from`, `countback` (priority over `from`), `page`, at most 500 candles per
 * answer (the latest ones; `page` N steps further back), `no_data`.
 *
 * Without `live` the whole recording is history. With `live` a clock reveals candles as time passes:
 * the first `history` candles are closed at start, then each candle forms for one period, its
 * close/high/low/volume growing in `formingSteps` steps to the recorded final values. `retime` shifts
 * the recording so that its history ends now (wall clock). Faults follow a seeded schedule that
 * serves every enabled kind at least once early on (fault-schedule.ts), and are counted in `/stats`
 * (and `stats`).
 *
 * `loop` is the embedded demo's mode: served time is the wall clock, and each recording repeats back to
 * back forever on a fixed grid (cycle k starts at the epoch plus k recording lengths). What is served
 * for a minute is a function of that minute alone, so a restarted demo serves exactly what it served
 * before, and the minutes it was stopped are there to backfill, as on the real exchange.
 *
 * `synthetic` serves, besides or instead of recordings, a seeded generated history per symbol
 * (synthetic-history.ts) of any length (a year of minutes is 525,600 candles per symbol) with the same
 * UDF semantics; each answer generates only the candles it can hold, so no file and no array of the
 * whole history is needed.
 */
import type { Candle, UdfOk } from "@shamdan/shared/core/udf";
import { candlesToUdf } from "@shamdan/shared/core/udf";
import { FakeClock } from "./fake-clock.ts";
import {
  type FaultKind,
  type FaultRates,
  malformedBody,
  seededRandom,
  withInvalidCandle,
} from "./fake-faults.ts";
import { FaultSchedule } from "./fault-schedule.ts";
import { MAX_CANDLES_PER_PAGE } from "./nobitex-client.ts";
import { loadRecording, type Recording, recordedSymbols } from "./recording.ts";
import { alignDown, resolutionSeconds } from "./resolution.ts";
import { indexAtOrBefore, type SyntheticSeries, symbolSeed, syntheticCandles } from "./synthetic-history.ts";

export interface SyntheticOptions {
  symbols: string[];
  /** Candles per symbol; the last one opens in the minute the server starts (final values). */
  count: number;
  seed?: number;
  /** UDF resolution served (default "1"). */
  resolution?: string;
}

export interface FakeNobitexOptions {
  /** Folder of recordings; unused (may be empty) when `synthetic` alone is served. */
  dataDir: string;
  port?: number;
  hostname?: string;
  /** Recordings to serve (default: every file in dataDir). */
  symbols?: string[];
  /** Extra symbols served from a recording: alias -> file symbol (e.g. BTCIRT -> ETHBTC). */
  map?: Record<string, string>;
  /** Only the first N candles of each recording. */
  limit?: number;
  live?: boolean;
  /** Live: candles closed at start (default min(500, all but one)). */
  history?: number;
  speed?: number;
  retime?: boolean;
  formingSteps?: number;
  faults?: FaultRates;
  seed?: number;
  /** Wall-clock time, each recording repeated forever on a fixed grid (see above); ignores live/retime. */
  loop?: boolean;
  /** Generated histories served as well (see above); not live. */
  synthetic?: SyntheticOptions;
}

export interface FakeStats {
  requests: number;
  ok: number;
  noData: number;
  errors: number;
  faults: { rate429: number; upstream5xx: number; slow: number; malformed: number; invalidCandle: number };
  /** Requests for a symbol still inside the backOff its last 429 asked for. */
  backoffViolations: number;
  bySymbol: Record<string, number>;
}

export interface FakeNobitex {
  url: string;
  port: number;
  /** Served symbols: the recordings and their aliases. */
  symbols: string[];
  stats: FakeStats;
  clock: FakeClock;
  /** Served-time ms at which every candle of every recording is closed (final). */
  endTime: number;
  /** Enabled fault kinds that have not reached a client yet (empty once each was served). */
  owedFaults(): FaultKind[];
  /** The final candles per served symbol, in served time (what a perfect ingest ends with). */
  expected(symbol: string): Candle[];
  /** Serves `path` (any method) with `handler` too, e.g. the stream's fault control (stream-faults.ts). */
  route(path: string, handler: (request: Request) => Response | Promise<Response>): void;
  stop(): Promise<void>;
}

// One closure on purpose: the handlers share the clock, the recordings and the fault schedule for the
// server's lifetime; the parts with rules of their own are in fake-faults.ts, fault-schedule.ts, fake-clock.ts.
export async function startFakeNobitex(options: FakeNobitexOptions): Promise<FakeNobitex> {
  const files = options.symbols ?? (options.synthetic ? [] : await recordedSymbols(options.dataDir));
  const recordings = new Map<string, Recording>();
  for (const file of new Set([...files, ...Object.values(options.map ?? {})])) {
    recordings.set(file, await loadRecording(options.dataDir, file, options.limit));
  }
  const served = new Map<string, Recording>();
  for (const f of files) served.set(f, recordings.get(f) as Recording);
  for (const [alias, f] of Object.entries(options.map ?? {}))
    served.set(alias, recordings.get(f) as Recording);

  // One time base for every recording. Live: each is shifted so its live start (candle `history`)
  // lines up with the clock's start (now with retime, else the first recording's own time).
  // Not live: retime shifts each so its last candle closed at the current minute.
  const realNowMs = Date.now();
  const live = options.live ?? false;
  const all = [...recordings.values()];
  const offsets = new Map<Recording, number>();
  const firstAnchor = all[0] ? liveAnchor(all[0], options.history) : realNowMs;
  const clockStart = live && !options.retime ? firstAnchor : realNowMs;
  for (const rec of all) {
    const period = rec.periodSeconds * 1000;
    const last = (rec.candles.at(-1) as Candle).openTime;
    let offset = 0;
    if (live)
      offset =
        (options.retime ? alignDown(realNowMs, period) : firstAnchor) - liveAnchor(rec, options.history);
    else if (options.retime) offset = alignDown(realNowMs, period) - period - last;
    offsets.set(rec, offset);
  }
  const generated = syntheticSeries(options.synthetic, realNowMs);
  const clock = new FakeClock(live ? clockStart : realNowMs, options.loop ? 1 : (options.speed ?? 1));
  const random = seededRandom(options.seed ?? 1);
  const rates = options.faults ?? {};
  const schedule = new FaultSchedule(rates, options.seed ?? 1);
  const steps = Math.max(1, options.formingSteps ?? 4);
  const blockedUntil = new Map<string, number>();
  const stats: FakeStats = {
    requests: 0,
    ok: 0,
    noData: 0,
    errors: 0,
    faults: { rate429: 0, upstream5xx: 0, slow: 0, malformed: 0, invalidCandle: 0 },
    backoffViolations: 0,
    bySymbol: {},
  };

  /** Candles of `rec` visible at served time `nowMs`, in served time; the last may be still forming. */
  const visible = (rec: Recording, nowMs: number): Candle[] => {
    const offset = offsets.get(rec) ?? 0;
    const period = rec.periodSeconds * 1000;
    const out: Candle[] = [];
    for (const c of rec.candles) {
      const openTime = c.openTime + offset;
      if (live && openTime > nowMs) break;
      const elapsed = (nowMs - openTime) / period;
      out.push(
        !live || elapsed >= 1
          ? { ...c, openTime }
          : forming(c, openTime, Math.floor(elapsed * steps) / steps),
      );
    }
    return out;
  };

  /**
   * Loop mode: the candles of `rec` with an open time in [fromMs, min(toMs, nowMs)], in served time;
   * the one whose minute has not ended at `nowMs` is still forming.
   */
  const looped = (rec: Recording, fromMs: number, toMs: number, nowMs: number): Candle[] => {
    const upTo = Math.min(toMs, nowMs);
    const period = rec.periodSeconds * 1000;
    const base = (rec.candles[0] as Candle).openTime;
    const length = (rec.candles.at(-1) as Candle).openTime - base + period;
    const out: Candle[] = [];
    for (let k = Math.floor(fromMs / length); k * length <= upTo; k++) {
      for (const c of rec.candles) {
        const openTime = c.openTime - base + k * length;
        if (openTime < fromMs) continue;
        if (openTime > upTo) break;
        const elapsed = (nowMs - openTime) / period;
        out.push(
          elapsed >= 1 ? { ...c, openTime } : forming(c, openTime, Math.floor(elapsed * steps) / steps),
        );
      }
    }
    return out;
  };
  /** The oldest open time a request can select, so loop mode generates no more than it may serve. */
  const oldestWanted = (rec: Recording, params: URLSearchParams, toMs: number): number => {
    const from = Number(params.get("from"));
    const countback = Number(params.get("countback"));
    const page = Math.max(1, Math.floor(Number(params.get("page") ?? 1)) || 1);
    // Recordings have gaps (minutes without trades): twice the periods covers a count of candles.
    const span = (Math.max(countback || 0, 0) + page * MAX_CANDLES_PER_PAGE) * rec.periodSeconds * 2000;
    const oldest = params.has("countback") && countback > 0 ? toMs - span : from * 1000;
    return Math.max(Number.isFinite(oldest) ? oldest : toMs - span, toMs - 30 * 86_400_000);
  };

  const json = (body: unknown, status = 200) => Response.json(body, { status });

  // The UDF endpoint's parameters (resolution, to, from, countback, page) in the order Nobitex applies them.
  const history = async (params: URLSearchParams): Promise<Response> => {
    const symbol = params.get("symbol") ?? "";
    stats.requests++;
    stats.bySymbol[symbol] = (stats.bySymbol[symbol] ?? 0) + 1;
    const nowMs = clock.now();
    const faults = schedule.next();
    // Behind a slow answer the client has usually timed out: what else this request carries may
    // never reach it, so only the slowness counts as having reached it.
    const reached = (kind: FaultKind) => {
      if (kind === "slow" || !faults.has("slow")) schedule.served(kind);
    };
    const blocked = blockedUntil.get(symbol) ?? 0;
    if (nowMs < blocked) stats.backoffViolations++;
    if (faults.has("slow")) {
      stats.faults.slow++;
      reached("slow");
      await Bun.sleep(rates.slowMs ?? 2000);
    }
    if (faults.has("rate429") || nowMs < blocked) {
      const backOff = nowMs < blocked ? Math.ceil((blocked - nowMs) / 1000) : (rates.backOffSeconds ?? 12);
      if (nowMs >= blocked) {
        stats.faults.rate429++;
        reached("rate429");
      }
      blockedUntil.set(symbol, nowMs + backOff * 1000);
      return json(
        { status: "failed", code: "TooManyRequests", message: "Too Many Requests", backOff, limit: 60 },
        429,
      );
    }
    if (faults.has("upstream5xx")) {
      stats.faults.upstream5xx++;
      reached("upstream5xx");
      const status = [500, 502, 503, 504][Math.floor(random() * 4)] as number;
      return new Response(`<html><body>${status}</body></html>`, {
        status,
        headers: { "content-type": "text/html" },
      });
    }
    const rec = served.get(symbol);
    const synth = generated.get(symbol);
    const to = Number(params.get("to"));
    const error = (errmsg: string) => {
      stats.errors++;
      return json({ s: "error", errmsg });
    };
    if (!rec && !synth) return error("Invalid symbol!");
    if (params.get("resolution") !== (synth ? (options.synthetic?.resolution ?? "1") : rec?.resolution))
      return error("Invalid resolution!");
    if (!params.has("to") || !Number.isFinite(to)) return error("Parameter to is required!");
    const selected = synth
      ? select(syntheticCandidates(synth, params, to), params, to)
      : select(
          options.loop
            ? looped(rec as Recording, oldestWanted(rec as Recording, params, to * 1000), to * 1000, nowMs)
            : visible(rec as Recording, nowMs),
          params,
          to,
        );
    if (selected.length === 0) {
      stats.noData++;
      return json({ s: "no_data" });
    }
    let page: UdfOk = candlesToUdf(selected);
    if (faults.has("malformed")) {
      stats.faults.malformed++;
      reached("malformed");
      return new Response(malformedBody(page, random), { headers: { "content-type": "application/json" } });
    }
    if (faults.has("invalidCandle")) {
      stats.faults.invalidCandle++;
      reached("invalidCandle");
      page = withInvalidCandle(page, random);
    }
    stats.ok++;
    return json(page);
  };

  const routes = new Map<string, (request: Request) => Response | Promise<Response>>();
  const server = Bun.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    idleTimeout: 0,
    fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/market/udf/history") return history(url.searchParams);
      if (url.pathname === "/stats") return json({ ...stats, clock: new Date(clock.now()).toISOString() });
      if (url.pathname === "/healthz") return new Response("ok");
      const route = routes.get(url.pathname);
      if (route) return route(request);
      return json({ status: "failed", message: "not found" }, 404);
    },
  });

  const endTime = Math.max(
    ...[...recordings.values()].map(
      (r) => (r.candles.at(-1) as Candle).openTime + (offsets.get(r) ?? 0) + r.periodSeconds * 1000,
    ),
    ...[...generated.values()].map((g) => g.startMs + g.count * g.periodMs),
  );
  return {
    url: `http://${server.hostname}:${server.port}`,
    port: server.port as number,
    symbols: [...served.keys(), ...generated.keys()],
    stats,
    clock,
    endTime,
    owedFaults: () => schedule.owed(),
    expected: (symbol) => {
      const synth = generated.get(symbol);
      if (synth) return syntheticCandles(synth, 0, synth.count);
      const rec = served.get(symbol);
      const offset = rec ? (offsets.get(rec) ?? 0) : 0;
      return rec ? rec.candles.map((c) => ({ ...c, openTime: c.openTime + offset })) : [];
    },
    route: (path, handler) => {
      routes.set(path, handler);
    },
    stop: async () => {
      await server.stop(true);
    },
  };
}

/** Each symbol's generated series, its last candle opening in the minute (period) of `nowMs`. */
function syntheticSeries(options: SyntheticOptions | undefined, nowMs: number): Map<string, SyntheticSeries> {
  const out = new Map<string, SyntheticSeries>();
  if (!options) return out;
  const periodMs = resolutionSeconds(options.resolution ?? "1") * 1000;
  const startMs = alignDown(nowMs, periodMs) - (options.count - 1) * periodMs;
  for (const symbol of options.symbols)
    out.set(symbol, { startMs, periodMs, count: options.count, seed: symbolSeed(options.seed ?? 1, symbol) });
  return out;
}

/**
 * The generated candles a request can select: those up to `to`, from the oldest its `countback` or
 * `from` allows, and no more than its `page` reaches; `select` then applies the UDF rules to them.
 */
function syntheticCandidates(series: SyntheticSeries, params: URLSearchParams, to: number): Candle[] {
  const upTo = indexAtOrBefore(series, to * 1000);
  const countback = Number(params.get("countback"));
  const from = Number(params.get("from"));
  let oldest = 0;
  if (params.has("countback") && countback > 0) oldest = upTo - countback + 1;
  else if (params.has("from") && Number.isFinite(from))
    oldest = Math.ceil((from * 1000 - series.startMs) / series.periodMs);
  const page = Math.max(1, Math.floor(Number(params.get("page") ?? 1)) || 1);
  return syntheticCandles(series, Math.max(oldest, upTo + 1 - page * MAX_CANDLES_PER_PAGE), upTo + 1);
}

function liveAnchor(rec: Recording, history: number | undefined): number {
  return (rec.candles[Math.min(history ?? 500, rec.candles.length - 1)] as Candle).openTime;
}

/** A still-forming candle at fraction `f` of its period; at f -> 1 it reaches the recorded values. */
export function forming(c: Candle, openTime: number, f: number): Candle {
  const close = c.open + (c.close - c.open) * f;
  return {
    openTime,
    open: c.open,
    close,
    high: Math.max(c.open, close) + (c.high - Math.max(c.open, c.close)) * f,
    low: Math.min(c.open, close) - (Math.min(c.open, c.close) - c.low) * f,
    volume: c.volume * f,
  };
}

/** `countback` (priority) or `from`..`to`, then the 500 limit: page 1 = the latest 500, page 2 the 500 before. */
export function select(candles: Candle[], params: URLSearchParams, to: number): Candle[] {
  const toMs = to * 1000;
  const upTo = candles.filter((c) => c.openTime <= toMs);
  const countback = Number(params.get("countback"));
  const from = Number(params.get("from"));
  let range: Candle[];
  if (params.has("countback") && countback > 0) range = upTo.slice(-countback);
  else if (params.has("from") && Number.isFinite(from)) range = upTo.filter((c) => c.openTime >= from * 1000);
  else range = upTo;
  const page = Math.max(1, Math.floor(Number(params.get("page") ?? 1)) || 1);
  const end = range.length - (page - 1) * MAX_CANDLES_PER_PAGE;
  return end <= 0 ? [] : range.slice(Math.max(0, end - MAX_CANDLES_PER_PAGE), end);
}
