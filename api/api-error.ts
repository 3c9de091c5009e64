/**
 * The one error type routes throw, and the one `onError` that turns anything thrown into a JSON body
 * (hono's HTTPException convention). Store outages become 503 with a clear body; nothing a client
 * sends can produce a 500 — only a bug can, and that is logged with the request id.
 */
import { type ErrorCode, ShamdanError } from "@shamdan/shared/core/errors";
import type { Logger } from "@shamdan/shared/core/log";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface IssueBody {
  field: string;
  message: string;
}

export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly issues?: IssueBody[],
    /** Extra response headers, e.g. Retry-After on a 503. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(status, { message });
    this.name = "ApiError";
  }
}

export const STORE_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "STORE_UNAVAILABLE",
  "STORE_ERROR",
  "STORE_TIMEOUT",
  "QUERY_TIMEOUT",
]);

/** hono's own HTTPExceptions (bad JSON, body too large, auth) get stable codes too. */
function codeForStatus(status: number): string {
  if (status === 400) return "invalid_request";
  if (status === 401) return "unauthorized";
  if (status === 404) return "not_found";
  if (status === 413) return "payload_too_large";
  if (status === 415) return "unsupported_media_type";
  return "http_error";
}

export function errorHandler(logger: Logger) {
  return (error: Error, c: Context): Response => {
    const requestId = c.get("requestId" as never) as string | undefined;
    if (error instanceof ApiError) {
      const body = {
        error: error.code,
        message: error.message,
        ...(error.issues ? { issues: error.issues } : {}),
      };
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      return c.json(body, error.status);
    }
    if (error instanceof HTTPException) {
      const response = error.getResponse();
      const body = { error: codeForStatus(error.status), message: error.message || response.statusText };
      const headers = new Headers(response.headers);
      headers.set("content-type", "application/json");
      return new Response(JSON.stringify(body), { status: error.status, headers });
    }
    if (error instanceof ShamdanError && STORE_ERROR_CODES.has(error.code)) {
      logger.warn("store unavailable", { requestId, code: error.code, error: error.message });
      c.header("Retry-After", "5");
      const message =
        error.code === "QUERY_TIMEOUT" || error.code === "STORE_TIMEOUT"
          ? "the query did not finish in time; retry later or ask for a shorter window"
          : error.code === "STORE_ERROR"
            ? "the data store failed to answer; retry later"
            : "the data store is unreachable; retry later";
      const code = error.code === "STORE_TIMEOUT" ? "query_timeout" : error.code.toLowerCase();
      return c.json({ error: code, message }, 503);
    }
    logger.error("unhandled error", { requestId, error, stack: error.stack });
    return c.json({ error: "internal_error", message: "internal error", requestId }, 500);
  };
}
