/** `GET /api/symbols`: configured symbols and those with stored rows, each with its last candle and signal. */
import { Hono } from "hono";
import type { ApiContext } from "../api-context.ts";
import { toIso } from "../instant.ts";
import type { RouteDoc } from "../openapi.ts";

export function symbolRoutes(api: ApiContext) {
  const app = new Hono();

  app.get("/symbols", async (c) => {
    const stored = await api.query("symbols", (s) => s.symbols());
    const bySymbol = new Map(stored.map((info) => [info.symbol, info]));
    const names = [...new Set([...api.config.SYMBOLS, ...bySymbol.keys()])].sort();
    const configured = new Set(api.config.SYMBOLS);
    const symbols = names.map((symbol) => {
      const info = bySymbol.get(symbol);
      return {
        symbol,
        configured: configured.has(symbol),
        last_candle_time: info ? toIso(info.lastOpenTime) : null,
        last_open_time: info?.lastOpenTime ?? null,
        latest_signal: info?.latestSignal ?? null,
        rows: info?.rows ?? 0,
      };
    });
    return c.json({ symbols });
  });

  const docs: RouteDoc[] = [
    {
      method: "get",
      path: "/api/symbols",
      summary: "Known symbols with their last candle time and latest signal",
      response: api.schemas.SymbolsResponse,
      errors: [503],
    },
  ];
  return { app, docs };
}
