/**
 * `GET /api/signals/stream`: Server-Sent Events of new rows (`event: row`) and signal changes
 * (`event: signal`, sent just before the row that carries it), optionally for `?symbol=A,B` only,
 * with a `: heartbeat` comment every `heartbeatMs` so proxies keep the connection open.
 *
 * Ids are `<openTime ms>-<symbol>`. With `Last-Event-ID` the stream first replays stored rows from that
 * open time on (at-least-once: a row may come twice, its id tells), then continues live. Rows come
 * from the LiveFeed when one is wired, else from polling the store.
 */
import type { IndicatorRow } from "@shamdan/shared/messages";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { ApiContext } from "../api-context.ts";
import { ApiError } from "../api-error.ts";
import type { FieldMap } from "../fields.ts";
import { toIso } from "../instant.ts";
import type { LiveFeed } from "../live-feed.ts";
import type { RouteDoc } from "../openapi.ts";
import { RowQueue } from "../row-queue.ts";
import { signalBody } from "../signal-body.ts";
import { StorePoller } from "../store-poller.ts";
import { validate } from "../validate.ts";

export interface StreamOptions {
  heartbeatMs: number;
  pollMs: number;
  /** Rows replayed per symbol on resume, at most. */
  maxReplay: number;
}

const EVENT_ID = /^(\d{1,15})-([A-Z0-9]{2,20})$/;
const eventId = (row: IndicatorRow) => `${row.openTime}-${row.symbol}`;

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

async function replay(api: ApiContext, symbols: readonly string[], from: number, maxReplay: number) {
  const rows: IndicatorRow[] = [];
  const to = Date.now() + 24 * 60 * 60_000;
  for (const symbol of symbols) {
    const page = await api.query("stream replay", (s) => s.rows({ symbol, from, to }, maxReplay));
    rows.push(...page);
  }
  return rows.sort((a, b) => a.openTime - b.openTime || a.symbol.localeCompare(b.symbol));
}

export function streamRoutes(api: ApiContext, feed: LiveFeed | undefined, options: StreamOptions) {
  const app = new Hono();
  const { fields } = api;

  app.get("/signals/stream", validate("query", api.schemas.StreamQuery), async (c) => {
    const filter = c.req.valid("query").symbol;
    const lastEventId = c.req.header("last-event-id")?.trim();
    const resume = lastEventId ? EVENT_ID.exec(lastEventId) : undefined;
    if (lastEventId && !resume) {
      throw new ApiError(400, "invalid_request", "Last-Event-ID is not an id this stream sent", [
        { field: "Last-Event-ID", message: "must look like <openTime>-<SYMBOL>" },
      ]);
    }
    // Store work happens before the 200 goes out, so an outage is a 503, not a broken stream.
    const stored = await api.query("symbols", (s) => s.symbols());
    const symbols = filter ?? [...new Set([...api.config.SYMBOLS, ...stored.map((info) => info.symbol)])];
    const wanted = new Set(symbols);
    const queue = new RowQueue();
    const unsubscribe = feed?.subscribe((row) => {
      if (wanted.has(row.symbol)) queue.push(row);
    });
    let backlog: IndicatorRow[] = [];
    try {
      if (resume) backlog = await replay(api, symbols, Number(resume[1]), options.maxReplay);
    } catch (error) {
      unsubscribe?.();
      throw error;
    }
    const replayed = new Map<string, number>();
    for (const row of backlog) replayed.set(row.symbol, row.openTime);
    const poller = feed
      ? undefined
      : new StorePoller(
          api,
          () => symbols,
          (row) => queue.push(row),
          options.pollMs,
        );
    if (poller) {
      for (const info of stored) if (wanted.has(info.symbol)) poller.seen(info.symbol, info.lastOpenTime);
      for (const row of backlog) poller.seen(row.symbol, row.openTime, row);
      poller.start();
    }

    return streamSSE(c, async (stream) => {
      stream.onAbort(() => queue.wake());
      const send = async (row: IndicatorRow) => {
        if (row.signalChanged)
          await stream.writeSSE({ event: "signal", data: JSON.stringify(signalBody(row, fields)) });
        await stream.writeSSE({ event: "row", id: eventId(row), data: JSON.stringify(rowBody(row, fields)) });
      };
      try {
        await stream.write(": connected\n\n");
        for (const row of backlog) {
          if (stream.aborted) return;
          if (resume && eventId(row) === lastEventId) continue;
          await send(row);
        }
        backlog = [];
        while (!stream.aborted && !queue.overflowed) {
          const row = await queue.next(options.heartbeatMs);
          if (stream.aborted) break;
          if (!row) {
            await stream.write(": heartbeat\n\n");
            continue;
          }
          // Live rows older than what the replay sent are duplicates of it.
          if (row.openTime < (replayed.get(row.symbol) ?? 0)) continue;
          await send(row);
        }
      } finally {
        unsubscribe?.();
        poller?.stop();
      }
    });
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
      errors: [400, 503],
    },
  ];
  return { app, docs };
}
