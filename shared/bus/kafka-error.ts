/**
 * kafkajs errors -> ShamdanError with a stable code and `canRetry`, decided from kafkajs's own
 * `retriable` flags along the cause chain (never from message text).
 */
import { describeError, ShamdanError } from "../errors.ts";

/** Errors that mean "the broker is (temporarily) unreachable or busy": worth retrying later. */
const RETRIABLE_NAMES = new Set([
  // kafkajs gave up after its own retries; the condition (broker down, leader moving) is transient.
  "KafkaJSNumberOfRetriesExceeded",
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSBrokerNotFound",
  "KafkaJSLockTimeout",
  "KafkaJSTimeout",
]);

export function isRetriableKafkaError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; depth++) {
    if (RETRIABLE_NAMES.has(e.name) || (e as { retriable?: unknown }).retriable === true) return true;
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return false;
}

export function kafkaError(code: string, what: string, error: unknown): ShamdanError {
  if (error instanceof ShamdanError) return error;
  return new ShamdanError(code, `${what}: ${describeError(error)}`, isRetriableKafkaError(error), {
    cause: error,
  });
}
