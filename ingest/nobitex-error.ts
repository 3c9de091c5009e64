/**
 * Errors of the Nobitex client: a stable `code` (whether to retry follows from it, errors.ts), a `fault` kind for the
 * metrics, and for HTTP 429 the `backOffSeconds` the server asked for.
 */
import { ShamdanError } from "@shamdan/shared/core/errors";

export const NobitexFault = {
  rateLimited: "rate_limited",
  upstream5xx: "upstream_5xx",
  timeout: "timeout",
  network: "network",
  malformed: "malformed",
  upstreamError: "upstream_error",
  rejected: "rejected",
} as const;
export type NobitexFault = (typeof NobitexFault)[keyof typeof NobitexFault];

export const NobitexErrorCode = {
  rateLimited: "RATE_LIMITED",
  unavailable: "UPSTREAM_UNAVAILABLE",
  upstreamError: "UPSTREAM_ERROR",
  malformed: "UPSTREAM_MALFORMED",
  rejected: "UPSTREAM_REJECTED",
} as const;

export class NobitexError extends ShamdanError {
  constructor(
    code: (typeof NobitexErrorCode)[keyof typeof NobitexErrorCode],
    readonly fault: NobitexFault,
    message: string,
    options: { cause?: unknown; backOffSeconds?: number; status?: number } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.name = "NobitexError";
    this.backOffSeconds = options.backOffSeconds;
    this.status = options.status;
  }
  /** Only for RATE_LIMITED: how long Nobitex asked us to wait. */
  readonly backOffSeconds: number | undefined;
  readonly status: number | undefined;
}

/** The wait a 429 asked for (its `backOff`, at most `maxMs`) in ms, or undefined for any other error. */
export function serverBackOffMs(error: unknown, maxMs: number): number | undefined {
  const asked = error instanceof NobitexError ? error.backOffSeconds : undefined;
  return asked === undefined ? undefined : Math.min(asked * 1000, maxMs);
}
