/**
 * Typed client for Nobitex `GET /market/udf/history` (the API facts it relies on: docs/nobitex.md).
 * Every answer is parsed with valibot right after the fetch; failures become NobitexError with a
 * stable code, never an exception of another type.
 */
import {
  type Candle,
  type RejectedCandle,
  splitUdfCandles,
  UdfResponseSchema,
} from "@shamdan/shared/core/udf";
import * as v from "valibot";
import { NobitexError, NobitexErrorCode, NobitexFault } from "./nobitex-error.ts";
import { resolutionSeconds } from "./resolution.ts";

/** Nobitex asks clients to name themselves as `TraderBot/<name>`. */
export const USER_AGENT = "TraderBot/Shamdan";
/** The endpoint's per-response maximum. */
export const MAX_CANDLES_PER_PAGE = 500;

export interface HistoryQuery {
  symbol: string;
  resolution: string;
  /** Unix seconds, inclusive (UDF: "the rightmost required bar, including"). */
  to: number;
  from?: number;
  countback?: number;
  page?: number;
}

export interface HistoryPage {
  status: "ok" | "no_data";
  /** Valid candles, ascending open time (ms). */
  candles: Candle[];
  /** Candles dropped by the per-candle checks; the rest of the page is kept. */
  rejected: RejectedCandle[];
}

export interface NobitexClientOptions {
  baseUrl: string;
  timeoutMs?: number;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

const RateLimitBodySchema = v.object({ backOff: v.pipe(v.number(), v.finite(), v.minValue(0)) });

export class NobitexClient {
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #fetch: NonNullable<NobitexClientOptions["fetch"]>;

  constructor(options: NobitexClientOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async fetchHistory(query: HistoryQuery, signal?: AbortSignal): Promise<HistoryPage> {
    const params = new URLSearchParams({ symbol: query.symbol, resolution: query.resolution });
    params.set("to", String(Math.floor(query.to)));
    if (query.from !== undefined) params.set("from", String(Math.floor(query.from)));
    if (query.countback !== undefined) params.set("countback", String(query.countback));
    if (query.page !== undefined) params.set("page", String(query.page));
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const url = `${this.#base}/market/udf/history?${params}`;
    let text: string;
    let status: number;
    try {
      const response = await this.#fetch(url, {
        headers: { "User-Agent": USER_AGENT, Accept: "application/json" },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      const timedOut = timeout.aborted && !signal?.aborted;
      throw new NobitexError(
        NobitexErrorCode.unavailable,
        timedOut ? NobitexFault.timeout : NobitexFault.network,
        timedOut ? `no answer within ${this.#timeoutMs} ms` : `request failed: ${String(error)}`,
        { cause: error },
      );
    }
    if (status === 429) throw rateLimited(text);
    if (status >= 500) {
      throw new NobitexError(NobitexErrorCode.unavailable, NobitexFault.upstream5xx, `HTTP ${status}`, {
        status,
      });
    }
    if (status >= 400) {
      throw new NobitexError(
        NobitexErrorCode.rejected,
        NobitexFault.rejected,
        `HTTP ${status}: ${text.slice(0, 200)}`,
        {
          status,
        },
      );
    }
    return parseHistory(text);
  }

  /**
   * Every candle with `from <= open time <= to` (unix seconds), in windows of at most 500 periods so
   * no window can exceed the per-response limit whatever the server's paging does. The count a server
   * returns is never trusted (a documented `countback` bug): results are filtered by time.
   */
  async fetchRange(
    query: { symbol: string; resolution: string; from: number; to: number },
    signal?: AbortSignal,
  ): Promise<HistoryPage> {
    const span = MAX_CANDLES_PER_PAGE * resolutionSeconds(query.resolution);
    const candles: Candle[] = [];
    const rejected: RejectedCandle[] = [];
    for (let start = query.from; start <= query.to; start += span) {
      const end = Math.min(query.to, start + span - 1);
      const page = await this.fetchHistory(
        { symbol: query.symbol, resolution: query.resolution, from: start, to: end },
        signal,
      );
      const inWindow = (ms: number) => ms >= start * 1000 && ms <= end * 1000;
      const last = candles.at(-1)?.openTime ?? Number.NEGATIVE_INFINITY;
      candles.push(...page.candles.filter((c) => inWindow(c.openTime) && c.openTime > last));
      rejected.push(...page.rejected.filter((r) => inWindow(r.openTime)));
    }
    return { status: candles.length > 0 || rejected.length > 0 ? "ok" : "no_data", candles, rejected };
  }
}

/** Parses a response body: valid JSON, then the UDF schema, then the per-candle checks. */
export function parseHistory(text: string): HistoryPage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new NobitexError(NobitexErrorCode.malformed, NobitexFault.malformed, "response is not JSON", {
      cause: error,
    });
  }
  const result = v.safeParse(UdfResponseSchema, json);
  if (!result.success) {
    const issue = result.issues[0];
    const where = issue.path?.map((p) => String(p.key)).join(".") ?? "";
    throw new NobitexError(
      NobitexErrorCode.malformed,
      NobitexFault.malformed,
      `unexpected response shape${where ? ` at ${where}` : ""}: ${issue.message}`,
    );
  }
  const body = result.output;
  if (body.s === "error") {
    throw new NobitexError(
      NobitexErrorCode.upstreamError,
      NobitexFault.upstreamError,
      body.errmsg || "error",
      {},
    );
  }
  if (body.s === "no_data") return { status: "no_data", candles: [], rejected: [] };
  return { status: "ok", ...splitUdfCandles(body) };
}

function rateLimited(text: string): NobitexError {
  let backOffSeconds: number | undefined;
  try {
    const parsed = v.safeParse(RateLimitBodySchema, JSON.parse(text));
    if (parsed.success) backOffSeconds = parsed.output.backOff;
  } catch {
    // A 429 without a readable body still means "slow down"; the poller falls back to its own backoff.
  }
  return new NobitexError(
    NobitexErrorCode.rateLimited,
    NobitexFault.rateLimited,
    "HTTP 429 Too Many Requests",
    {
      backOffSeconds,
      status: 429,
    },
  );
}
