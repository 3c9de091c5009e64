/**
 * The Django service's three endpoints, same paths, bodies and response shapes, so existing clients
 * work unchanged. `period` = the last N minutes up to `end` (default now), both ends inclusive:
 * end - N min <= local_time <= end, which is what the original system's `local_time >= now - N minutes` selected
 * (nothing lies after now). The store's windows are half-open [from, to), hence `to = end + 1 ms`.
 * An empty window gives nulls, not an error.
 */
import type { Summary, TimeWindow } from "@shamdan/shared/core/store";
import { Hono } from "hono";
import type { ApiContext } from "../api-context.ts";
import { ApiError } from "../api-error.ts";
import type { FieldMap } from "../fields.ts";
import type { RouteDoc } from "../openapi.ts";
import { requireJson } from "../require-json.ts";
import { validate } from "../validate.ts";

export function periodWindow(symbol: string, period: number, end: number | undefined): TimeWindow {
  const to = end ?? Date.now();
  return { symbol, from: to - period * 60_000, to: to + 1 };
}

/** A summary in the original system's response shape (its field names, `gain_loss`). */
export function legacySummary(summary: Summary, fields: FieldMap) {
  return {
    close: summary.close,
    [fields.sma]: summary.sma,
    [fields.ema]: summary.ema,
    [fields.rsi]: summary.rsi,
    gain_loss: { highest_gain: summary.highestGain, highest_loss: summary.highestLoss },
  };
}

export async function requireKnownSymbol(api: ApiContext, symbol: string): Promise<void> {
  if (!(await api.isKnownSymbol(symbol)))
    throw new ApiError(404, "unknown_symbol", `unknown symbol ${symbol}: see GET /api/symbols`);
}

// Long on purpose: the three POST endpoints of the original system, each a few lines, sharing their schemas.
export function aggregationRoutes(api: ApiContext) {
  const { schemas, fields } = api;
  const app = new Hono();

  app.post("/aggregate/", requireJson, validate("json", schemas.AggregateBody), async (c) => {
    const body = c.req.valid("json");
    await requireKnownSymbol(api, body.stock_symbol);
    const field = fields.toField(body.field);
    // The schema's picklist already guarantees this; kept so a FieldMap bug is a 400, not a bad query.
    if (!field) throw new ApiError(400, "invalid_request", `unknown field ${body.field}`);
    const window = periodWindow(body.stock_symbol, body.period, body.end);
    const value = await api.query(
      "aggregate",
      (s) => s.aggregate(window, field, body.aggregation),
      JSON.stringify([window, field, body.aggregation]),
    );
    return c.json({ [body.aggregation]: value, field: body.field, stock_symbol: body.stock_symbol });
  });

  app.post("/summarize/", requireJson, validate("json", schemas.SummarizeBody), async (c) => {
    const body = c.req.valid("json");
    await requireKnownSymbol(api, body.stock_symbol);
    const window = periodWindow(body.stock_symbol, body.period, body.end);
    const summary = await api.query("summarize", (s) => s.summarize(window), JSON.stringify(window));
    return c.json({
      stock_symbol: body.stock_symbol,
      period: body.period,
      summary: legacySummary(summary, fields),
    });
  });

  app.post(
    "/summarize/multiple/",
    requireJson,
    validate("json", schemas.SummarizeMultipleBody),
    async (c) => {
      const body = c.req.valid("json");
      const end = body.end ?? Date.now();
      const summaries: Record<string, ReturnType<typeof legacySummary>> = {};
      const errors: Record<string, string> = {};
      const unique = [...new Set(body.stock_symbol)];
      // A store outage fails the whole request (503); an unknown symbol fails only its own entry.
      const results = await Promise.all(
        unique.map(async (symbol) => {
          if (!(await api.isKnownSymbol(symbol))) return { symbol, error: `unknown symbol ${symbol}` };
          const summary = await api.query("summarize", (s) =>
            s.summarize(periodWindow(symbol, body.period, end)),
          );
          return { symbol, summary };
        }),
      );
      for (const result of results) {
        if (result.summary) summaries[result.symbol] = legacySummary(result.summary, fields);
        else errors[result.symbol] = result.error ?? "failed";
      }
      return c.json({ period: body.period, summaries, errors });
    },
  );

  const docs: RouteDoc[] = [
    {
      method: "post",
      path: "/api/aggregate/",
      summary: "One aggregate (avg, highest, lowest) of one column over the last `period` minutes",
      body: schemas.AggregateBody,
      response: schemas.AggregateResponse,
      errors: [400, 404, 503],
    },
    {
      method: "post",
      path: "/api/summarize/",
      summary: "close, SMA, EMA, RSI statistics and the highest gain and loss over the last `period` minutes",
      body: schemas.SummarizeBody,
      response: schemas.SummarizeResponse,
      errors: [400, 404, 503],
    },
    {
      method: "post",
      path: "/api/summarize/multiple/",
      summary: "The summary for several symbols; an unknown symbol is reported in `errors`, not failed",
      body: schemas.SummarizeMultipleBody,
      response: schemas.SummarizeMultipleResponse,
      errors: [400, 503],
    },
  ];
  return { app, docs };
}
