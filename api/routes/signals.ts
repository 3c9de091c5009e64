/**
 * `GET /api/signals` (history, optionally only the rows where the signal changed) and
 * `GET /api/signals/latest` (the newest signal of each symbol). Window: from <= open time < to.
 */
import { Hono } from "hono";
import type { ApiContext } from "../api-context.ts";
import { toIso } from "../instant.ts";
import { type RouteDoc, readRoute } from "../openapi.ts";
import { DEFAULT_ROWS_PER_REQUEST } from "../schemas.ts";
import { signalBody } from "../signal-body.ts";
import { timeRange } from "../time-range.ts";
import { validate } from "../validate.ts";
import { requireKnownSymbol } from "./aggregation.ts";

export function signalRoutes(api: ApiContext) {
  const { schemas, fields } = api;
  const app = new Hono();

  app.get("/signals/latest", validate("query", schemas.LatestQuery), async (c) => {
    const { symbol } = c.req.valid("query");
    for (const name of symbol ?? []) await requireKnownSymbol(api, name);
    const wanted = symbol ? new Set(symbol) : undefined;
    const latest = await api.query("latest signals", (s) => s.latestSignals());
    const signals = latest
      .filter((event) => !wanted || wanted.has(event.symbol))
      .sort((a, b) => a.symbol.localeCompare(b.symbol))
      .map((event) => signalBody(event, fields));
    return c.json({ signals });
  });

  app.get("/signals", validate("query", schemas.SignalsQuery), async (c) => {
    const query = c.req.valid("query");
    if (query.symbol) await requireKnownSymbol(api, query.symbol);
    const { from, to } = timeRange(query, api.config.API_MAX_PERIOD_MINUTES);
    const limit = query.limit ?? DEFAULT_ROWS_PER_REQUEST;
    const events = await api.query("signals", (s) =>
      s.signals(
        { from, to, ...(query.symbol ? { symbol: query.symbol } : {}) },
        { changesOnly: query.changes_only ?? false, limit },
      ),
    );
    const last = events.at(-1);
    // Across symbols several rows share an open time, so the next page starts AT the last one (it may
    // repeat a few rows) rather than after it (which could skip some).
    const nextFrom = last && events.length === limit ? last.openTime + (query.symbol ? 1 : 0) : undefined;
    return c.json({
      signals: events.map((event) => signalBody(event, fields)),
      next_from: nextFrom === undefined ? null : toIso(nextFrom),
    });
  });

  const docs: RouteDoc[] = [
    readRoute(
      "/api/signals",
      "Signals over a window (all symbols unless `symbol`); `changes_only=true` keeps only changes",
      schemas.SignalsQuery,
      schemas.SignalsResponse,
    ),
    readRoute(
      "/api/signals/latest",
      "The newest signal of every symbol (or of the listed ones)",
      schemas.LatestQuery,
      schemas.SignalsResponse,
    ),
  ];
  return { app, docs };
}
