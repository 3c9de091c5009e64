/**
 * Typed errors with a stable `code`, the underlying `cause` and a `canRetry` flag: callers decide
 * to retry by code, never by message text (the platformatic/kafka convention).
 */
export class ShamdanError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly canRetry: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ShamdanError";
  }
}

export const isRetryable = (error: unknown): boolean => error instanceof ShamdanError && error.canRetry;

/** Message of any thrown value, without credentials that URLs may carry (user:password@). */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return redact(text);
}

export const redact = (text: string): string => text.replace(/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, "$1***:***@");
