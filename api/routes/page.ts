/**
 * `GET /`: the live chart page (web/), and `GET /assets/<name>`: its script. The page is built by
 * Bun's bundler on the first request and kept in memory, so a fresh clone needs no build step and an
 * instance that never serves the page never builds it. The HTML is revalidated on every load (ETag);
 * scripts are named by content hash and cached for a year. Gzip when the client accepts it.
 */
import { buildPage, type PageBundle } from "@shamdan/web/build";
import type { Context } from "hono";
import { Hono } from "hono";
import type { ApiContext } from "../api-context.ts";
import { ApiError } from "../api-error.ts";
import type { RouteDoc } from "../openapi.ts";

const IMMUTABLE = "public, max-age=31536000, immutable";

function send(c: Context, body: Uint8Array | string, gzip: Uint8Array, type: string, cache: string) {
  c.header("content-type", type);
  c.header("cache-control", cache);
  c.header("vary", "accept-encoding");
  c.header("x-content-type-options", "nosniff");
  if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
    c.header("content-encoding", "gzip");
    return c.body(gzip as Uint8Array<ArrayBuffer>);
  }
  return c.body(typeof body === "string" ? body : (body as Uint8Array<ArrayBuffer>));
}

export function pageRoutes(api: ApiContext) {
  const app = new Hono();
  let bundle: Promise<PageBundle> | undefined;
  const page = () => {
    if (!bundle) {
      bundle = buildPage().then(
        (built) => {
          api.logger.info("chart page built", { ...built.sizes, ms: built.buildMs });
          return built;
        },
        (error) => {
          // The next request tries again rather than serving this failure forever.
          bundle = undefined;
          api.logger.error("chart page build failed", { error });
          throw new ApiError(
            503,
            "page_unavailable",
            "the chart page could not be built; see the server log",
          );
        },
      );
    }
    return bundle;
  };

  app.get("/", async (c) => {
    const built = await page();
    c.header("etag", built.etag);
    if (c.req.header("if-none-match") === built.etag) return c.body(null, 304);
    return send(c, built.html, built.htmlGzip, "text/html; charset=utf-8", "no-cache");
  });
  app.get("/assets/:name", async (c) => {
    const asset = (await page()).assets.get(c.req.param("name"));
    if (!asset) throw new ApiError(404, "not_found", `no asset ${c.req.param("name")}`);
    return send(c, asset.body, asset.gzip, asset.type, IMMUTABLE);
  });

  const docs: RouteDoc[] = [
    {
      method: "get",
      path: "/",
      summary: "The live chart page (candles, indicators, signals, live updates)",
      responseType: "text/html",
      public: true,
    },
  ];
  return { app, docs };
}
