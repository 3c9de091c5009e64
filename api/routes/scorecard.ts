/**
 * `GET /api/scorecard`: are the signals any good? For every signal change to BUY or SELL whose candle
 * opened in [from, to) (all symbols unless `symbol`), the forward return 5, 15 and 60 minutes later
 * and whether it went the signal's way; per symbol and horizon the count, the hit rate and the mean
 * forward return in the signal's direction. Computed in the store (one SQL statement).
 */
import { SCORECARD_HORIZONS_MINUTES } from "@shamdan/shared/core/store";
import { Hono } from "hono";
import * as v from "valibot";
import type { ApiContext } from "../api-context.ts";
import { InstantSchema, toIso } from "../instant.ts";
import { type RouteDoc, readRoute } from "../openapi.ts";
import { SymbolSchema } from "../schemas.ts";
import { timeRange } from "../time-range.ts";
import { validate } from "../validate.ts";
import { requireKnownSymbol } from "./aggregation.ts";

export const ScorecardQuery = v.strictObject({
  symbol: v.optional(SymbolSchema),
  from: v.optional(InstantSchema),
  to: v.optional(InstantSchema),
});

const nullableNumber = v.nullable(v.number());

export const ScorecardResponse = v.object({
  from: v.pipe(v.string(), v.description("Window start (inclusive), ISO-8601 UTC.")),
  to: v.pipe(
    v.string(),
    v.description("Window end (exclusive), ISO-8601 UTC; later candles may lie after it."),
  ),
  horizons_minutes: v.array(v.number()),
  scorecard: v.array(
    v.object({
      symbol: v.string(),
      horizon_minutes: v.pipe(v.number(), v.description("Minutes after the signal's candle.")),
      count: v.pipe(
        v.number(),
        v.description("Changes to BUY or SELL whose candle `horizon_minutes` later is stored."),
      ),
      hits: v.pipe(
        v.number(),
        v.description("Of those, BUY with a higher later close or SELL with a lower one."),
      ),
      hit_rate: v.pipe(nullableNumber, v.description("hits ÷ count.")),
      mean_return: v.pipe(
        nullableNumber,
        v.description(
          "Mean forward return in the signal's direction: BUY later ÷ now − 1, SELL 1 − later ÷ now.",
        ),
      ),
    }),
  ),
});

export function scorecardRoutes(api: ApiContext) {
  const app = new Hono();

  app.get("/scorecard", validate("query", ScorecardQuery), async (c) => {
    const query = c.req.valid("query");
    if (query.symbol) await requireKnownSymbol(api, query.symbol);
    const { from, to } = timeRange(query, api.config.API_MAX_PERIOD_MINUTES);
    const rows = await api.query("scorecard", (s) =>
      s.scorecard({ from, to, ...(query.symbol ? { symbol: query.symbol } : {}) }),
    );
    return c.json({
      from: toIso(from),
      to: toIso(to),
      horizons_minutes: [...SCORECARD_HORIZONS_MINUTES],
      scorecard: rows.map((r) => ({
        symbol: r.symbol,
        horizon_minutes: r.horizonMinutes,
        count: r.count,
        hits: r.hits,
        hit_rate: r.hitRate,
        mean_return: r.meanReturn,
      })),
    });
  });

  const docs: RouteDoc[] = [
    readRoute(
      "/api/scorecard",
      "How the signal changes to BUY/SELL did 5, 15 and 60 minutes later: count, hit rate, mean forward return per symbol and horizon",
      ScorecardQuery,
      ScorecardResponse,
    ),
  ];
  return { app, docs };
}
