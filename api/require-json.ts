/**
 * POST bodies must be declared JSON. hono's JSON validator silently treats any other content type as
 * an empty object, which would report "stock_symbol: required" to a client that did send it (e.g.
 * `curl -d` without a header): a 415 saying what to send is the honest answer.
 */
import { createMiddleware } from "hono/factory";
import { ApiError } from "./api-error.ts";

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

export const requireJson = createMiddleware(async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!JSON_TYPE.test(type.trim()))
    throw new ApiError(
      415,
      "unsupported_media_type",
      "send the body as JSON with Content-Type: application/json",
    );
  await next();
});
