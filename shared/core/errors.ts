/**
 * Typed errors with a stable `code`, the underlying `cause` and a `canRetry` flag: callers decide
 * to retry by code (or the flag derived from it), never by message text (the platformatic/kafka convention).
 */

/**
 * Whether waiting can fix a failure, per code. `undefined`: the code names an operation, not a kind of
 * failure, and the cause decides per failure (a Kafka call that failed because the broker is down is
 * retried, one the broker refused is not: kafka-error.ts reads kafkajs's own flags).
 */
const RETRY_BY_CODE = {
  // The bus (Kafka or memory)
  BUS_CLOSED: false,
  BUS_INVALID_TOPIC: false,
  BUS_UNKNOWN_TOPIC: true,
  BUS_TOPIC_NOT_READY: true,
  BUS_READ_TIMEOUT: true,
  BUS_CONNECT_FAILED: undefined,
  BUS_PUBLISH_FAILED: undefined,
  BUS_READ_FAILED: undefined,
  BUS_SUBSCRIBE_FAILED: undefined,
  BUS_ENSURE_TOPICS_FAILED: undefined,
  // The store: down or slow (the sink waits, the API answers 503) or answering with a refusal
  STORE_UNAVAILABLE: true,
  STORE_TIMEOUT: true,
  STORE_SERVER_ERROR: true,
  STORE_ERROR: true,
  QUERY_TIMEOUT: true,
  STORE_REJECTED: false,
  STORE_BAD_INPUT: false,
  STORE_QUERY_FAILED: false,
  // A value read back does not fit the table contract (wrong type, NULL where none is allowed).
  STORE_BAD_ROW: false,
  STORE_FAILED: false,
  // Nobitex
  RATE_LIMITED: true,
  UPSTREAM_UNAVAILABLE: true,
  UPSTREAM_MALFORMED: true,
  UPSTREAM_ERROR: false,
  UPSTREAM_REJECTED: false,
  // State and recordings that do not parse: waiting changes nothing
  ENGINE_SNAPSHOT_INVALID: false,
  ENGINE_SNAPSHOT_MISMATCH: false,
  PROCESSOR_STATE_INVALID: false,
  RECORDING_INVALID: false,
  RECORDING_MISSING: false,
} as const satisfies Record<string, boolean | undefined>;

type RetryTable = typeof RETRY_BY_CODE;
export type ErrorCode = keyof RetryTable;
/** Codes whose retry the code alone decides. */
export type FixedErrorCode = { [C in ErrorCode]: RetryTable[C] extends boolean ? C : never }[ErrorCode];
/** Codes whose retry the cause decides: constructed with an explicit `canRetry`. */
export type CauseErrorCode = Exclude<ErrorCode, FixedErrorCode>;

/** Whether a failure with this code is worth retrying; undefined where the cause decides. */
export const retryByCode = (code: ErrorCode): boolean | undefined => RETRY_BY_CODE[code];

type ErrorOptions = { cause?: unknown };

export class ShamdanError extends Error {
  readonly canRetry: boolean;

  constructor(code: FixedErrorCode, message: string, options?: ErrorOptions);
  constructor(code: CauseErrorCode, message: string, canRetry: boolean, options?: ErrorOptions);
  constructor(
    readonly code: ErrorCode,
    message: string,
    retryOrOptions?: boolean | ErrorOptions,
    options?: ErrorOptions,
  ) {
    const byCause = typeof retryOrOptions === "boolean";
    super(message, byCause ? options : retryOrOptions);
    this.name = "ShamdanError";
    this.canRetry = byCause ? retryOrOptions : (RETRY_BY_CODE[code] ?? false);
  }
}

export const isRetryable = (error: unknown): boolean => error instanceof ShamdanError && error.canRetry;

/** Message of any thrown value, without credentials that URLs may carry (user:password@). */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return redact(text);
}

/**
 * Text without the credentials URLs carry: `user:password@`, a Bot API token in the path
 * (Telegram's and Bale's `/bot<id>:<secret>`), a Slack incoming webhook's secret path.
 */
export const redact = (text: string): string =>
  text
    .replace(/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, "$1***:***@")
    .replace(/\/bot\d+:[\w-]+/g, "/bot***")
    .replace(/(hooks\.slack\.com\/services\/)[^\s"'?]+/g, "$1***");
