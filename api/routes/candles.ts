/**
 * `GET /api/candles?symbol&from&to&interval&limit`: OHLCV plus indicators, oldest first. Coarser
 * intervals are downsampled by the store (first open, max high, min low, last close, summed volume;
 * indicators and signal of the bar's last candle). Window: from <= open time < to.
 */
import { Hono } from "hono";
import type { ApiContext } from "../api-context.ts";
import { toIso } from "../instant.ts";
import { type RouteDoc, readRoute } from "../openapi.ts";
import { DEFAULT_ROWS_PER_REQUEST, INTERVALS } from "../schemas.ts";
import { indicatorsOf, timeOf } from "../signal-body.ts";
import { timeRange } from "../time-range.ts";
import { validate } from "../validate.ts";
import { requireKnownSymbol } from "./aggregation.ts";

export function candleRoutes(api: ApiContext) {
  const { schemas, fields } = api;
  const app = new Hono();

  app.get("/candles", validate("query", schemas.CandlesQuery), async (c) => {
    const query = c.req.valid("query");
    await requireKnownSymbol(api, query.symbol);
    const { from, to } = timeRange(query, api.config.API_MAX_PERIOD_MINUTES);
    const limit = query.limit ?? DEFAULT_ROWS_PER_REQUEST;
    const seconds = INTERVALS[query.interval];
    const window = { symbol: query.symbol, from, to };
    const bars = await api.query(
      "candles",
      (s) => s.bars(window, seconds, limit),
      JSON.stringify([window, seconds, limit]),
    );
    const last = bars.at(-1);
    return c.json({
      symbol: query.symbol,
      interval: query.interval,
      from: toIso(from),
      to: toIso(to),
      next_from: bars.length === limit && last ? toIso(last.openTime + seconds * 1000) : null,
      candles: bars.map((bar) => ({
        ...timeOf(bar.openTime),
        open: bar.open,
        high: bar.high,
        low: bar.low,
        close: bar.close,
        volume: bar.volume,
        ...indicatorsOf(bar, fields),
        signal: bar.signal,
      })),
    });
  });

  const docs: RouteDoc[] = [
    readRoute(
      "/api/candles",
      "Candles (OHLCV + indicators), downsampled to `interval`; from <= open time < to",
      schemas.CandlesQuery,
      schemas.CandlesResponse,
    ),
  ];
  return { app, docs };
}
