/**
 * `GET /api/signals/stream`: Server-Sent Events of new rows (`event: row`) and signal changes
 * (`event: signal`, sent just before the row that carries it), optionally for `?symbol=A,B` only,
 * with a `: heartbeat` comment every `heartbeatMs` so proxies keep the connection open.
 *
 * Ids are `<openTime ms>-<symbol>`. With `Last-Event-ID` the stream first replays every stored row
 * from that open time on, page by page (replay.ts; at-least-once: a row may come twice, its id tells),
 * then continues live. Rows come from the LiveFeed when one is wired, else from polling the store.
 * At most API_MAX_STREAMS streams are open at once (stream-slots.ts); past that, a 503 with Retry-After.
 */
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import { SYMBOL_CHARS } from "@shamdan/shared/core/symbol";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { ApiContext } from "../api-context.ts";
import { ApiError } from "../api-error.ts";
import type { FieldMap } from "../fields.ts";
import { toIso } from "../instant.ts";
import { Limiter } from "../limiter.ts";
import type { LiveFeed } from "../live-feed.ts";
import type { RouteDoc } from "../openapi.ts";
import { Replay } from "../replay.ts";
import { RowQueue } from "../row-queue.ts";
import { signalBody } from "../signal-body.ts";
import { StorePoller } from "../store-poller.ts";
import type { StreamSlots } from "../stream-slots.ts";
import { validate } from "../validate.ts";
import { requireKnownSymbol } from "./aggregation.ts";

export interface StreamOptions {
  heartbeatMs: number;
  pollMs: number;
  /** Rows a replay holds in memory at a time, shared among its symbols (see replay.ts). */
  pageRows: number;
}

/** Replay pages read from the store at once, across all streams (see limiter.ts). */
const REPLAY_FETCHES = 4;
/** Replayed events are written in chunks of about this many characters. */
const REPLAY_BATCH_CHARS = 32 * 1024;
/** How long a client refused past the stream cap is asked to wait before trying again. */
const RETRY_AFTER_SECONDS = 5;
const EVENT_ID = new RegExp(`^(\\d{1,15})-(${SYMBOL_CHARS})$`);
const eventId = (row: IndicatorRow) => `${row.openTime}-${row.symbol}`;

/** One SSE event; JSON.stringify escapes line breaks, so `data` is always a single line. */
function sseEvent(event: string, data: unknown, id?: string): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n${id === undefined ? "" : `id: ${id}\n`}\n`;
}

export function rowBody(row: IndicatorRow, fields: FieldMap) {
  return {
    ...signalBody(row, fields),
    time: toIso(row.openTime),
    open: row.open,
    high: row.high,
    low: row.low,
    volume: row.volume,
  };
}

/** What Bun.serve passes as the second argument of `fetch` (serve.ts hands it on as Hono's env). */
interface ServeEnv {
  server?: { timeout(request: Request, seconds: number): void };
}

// One handler on purpose: a stream's slot, feed subscription, replay and poll handover are taken and
// released in one try/finally, so every exit (client gone, store failure, shutdown) releases all of them.
export function streamRoutes(
  api: ApiContext,
  feed: LiveFeed | undefined,
  options: StreamOptions,
  slots: StreamSlots,
) {
  const app = new Hono();
  const { fields } = api;
  const fetches = new Limiter(REPLAY_FETCHES);

  app.get("/signals/stream", validate("query", api.schemas.StreamQuery), async (c) => {
    const filter = c.req.valid("query").symbol;
    const lastEventId = c.req.header("last-event-id")?.trim();
    const resume = lastEventId ? EVENT_ID.exec(lastEventId) : undefined;
    if (lastEventId && !resume) {
      throw new ApiError(400, "invalid_request", "Last-Event-ID is not an id this stream sent", [
        { field: "Last-Event-ID", message: "must look like <openTime>-<SYMBOL>" },
      ]);
    }
    for (const symbol of filter ?? []) await requireKnownSymbol(api, symbol);
    const release = slots.tryAcquire();
    if (!release) {
      throw new ApiError(
        503,
        "too_many_streams",
        `this instance already serves ${slots.max} streams; retry later`,
        undefined,
        { "Retry-After": String(RETRY_AFTER_SECONDS) },
      );
    }
    // A stream is idle between heartbeats (and stalls while a slow client reads): the server's idle
    // timeout, kept for every other request, must not cut it. Lifted before the first replay page too:
    // many streams replaying at once wait their turn for it (each query stays under its own timeout).
    (c.env as ServeEnv | undefined)?.server?.timeout(c.req.raw, 0);
    let unsubscribe: (() => void) | undefined;
    try {
      // Store work happens before the 200 goes out, so an outage is a 503, not a broken stream: the
      // symbol list and, on resume, the replay's first page.
      const stored = await api.query("symbols", (s) => s.symbols());
      const symbols = filter ?? [...new Set([...api.config.SYMBOLS, ...stored.map((info) => info.symbol)])];
      const wanted = new Set(symbols);
      const queue = new RowQueue();
      unsubscribe = feed?.subscribe((row) => {
        if (wanted.has(row.symbol)) queue.push(row);
      });
      const replay = resume
        ? new Replay(api, symbols, Number(resume[1]), options.pageRows, fetches)
        : undefined;
      let pending = await replay?.next();
      const stopFeed = unsubscribe;
      unsubscribe = undefined;

      return streamSSE(c, async (stream) => {
        stream.onAbort(() => queue.wake());
        const stopWaking = slots.onClose(() => queue.wake());
        let poller: StorePoller | undefined;
        /** Per symbol, the newest row this stream sent from the replay. */
        const replayed = new Map<string, IndicatorRow>();
        const eventsOf = (row: IndicatorRow) =>
          (row.signalChanged ? sseEvent("signal", signalBody(row, fields)) : "") +
          sseEvent("row", rowBody(row, fields), eventId(row));
        let batch = "";
        try {
          await stream.write(": connected\n\n");
          // Each write waits until the client has taken the previous one, so a slow reader holds the
          // replay at its current page instead of the server buffering the history for it. Events go
          // out in batches of about REPLAY_BATCH_CHARS: one socket write per row would cost more than
          // formatting the row.
          while (pending && !stream.aborted) {
            const row = pending;
            if (eventId(row) !== lastEventId) {
              batch += eventsOf(row);
              replayed.set(row.symbol, row);
            }
            if (batch.length >= REPLAY_BATCH_CHARS) {
              await stream.write(batch);
              batch = "";
            }
            pending = await replay?.next();
          }
          if (batch && !stream.aborted) await stream.write(batch);
          batch = "";
          // No feed, or one still waiting for Kafka: poll the store meanwhile. Once the feed is live,
          // one last poll covers what was stored before it started, then the feed carries on alone.
          if (!feed?.isLive()) {
            poller = new StorePoller(
              api,
              () => symbols,
              (row) => queue.push(row),
              options.pollMs,
              feed ? () => feed.isLive() : undefined,
            );
            for (const info of stored)
              if (wanted.has(info.symbol)) poller.seen(info.symbol, info.lastOpenTime);
            for (const row of replayed.values()) poller.seen(row.symbol, row.openTime, row);
            poller.start();
          }
          while (!stream.aborted && !queue.overflowed && !slots.closing) {
            const row = await queue.next(options.heartbeatMs);
            if (stream.aborted || slots.closing) break;
            if (!row) {
              await stream.write(": heartbeat\n\n");
              continue;
            }
            // Live rows older than what the replay sent are duplicates of it.
            if (row.openTime < (replayed.get(row.symbol)?.openTime ?? 0)) continue;
            await stream.write(eventsOf(row));
          }
        } catch (error) {
          // The 200 is out: say why in the stream and end it; the client resumes with Last-Event-ID.
          api.logger.warn("stream ended by a store failure", { error });
          // The rows formatted before the failure are good: they go out first.
          await stream.write(
            batch +
              sseEvent("error", { error: "store_unavailable", message: "the data store failed; reconnect" }),
          );
        } finally {
          stopWaking();
          stopFeed?.();
          poller?.stop();
          release();
        }
      });
    } catch (error) {
      unsubscribe?.();
      release();
      throw error;
    }
  });

  const docs: RouteDoc[] = [
    {
      method: "get",
      path: "/api/signals/stream",
      summary:
        "Server-Sent Events: `row` for every new row, `signal` for signal changes; ids `<openTime>-<SYMBOL>`; " +
        "send Last-Event-ID to resume",
      query: api.schemas.StreamQuery,
      responseType: "text/event-stream",
      errors: [400, 404, 503],
    },
  ];
  return { app, docs };
}
