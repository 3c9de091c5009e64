/**
 * kafkajs errors -> ShamdanError with a stable code and `canRetry`, decided from kafkajs's own
 * error names, protocol types and `retriable` flags along the cause chain (never from message text).
 */
import { type CauseErrorCode, describeError, ShamdanError } from "../../core/errors.ts";

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
  // No broker answered a metadata request (all of them down or still starting).
  "KafkaJSNoBrokerAvailableError",
]);

/** A KafkaJSAggregateError (createTopics) carries one error per topic and no flag of its own. */
const partsOf = (error: Error): unknown[] | undefined => {
  const errors = (error as { errors?: unknown }).errors;
  return Array.isArray(errors) && errors.length > 0 ? errors : undefined;
};

export function isRetriableKafkaError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; depth++) {
    const parts = partsOf(e);
    if (parts) return parts.every(isRetriableKafkaError);
    if (RETRIABLE_NAMES.has(e.name) || (e as { retriable?: unknown }).retriable === true) return true;
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return false;
}

/**
 * What is left of a createTopics failure once the topics that already exist are set aside (another
 * service created them concurrently, which is what we wanted): undefined if nothing is left.
 */
export function withoutExistingTopics(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const parts = partsOf(error);
  if (!parts) return (error as { type?: unknown }).type === "TOPIC_ALREADY_EXISTS" ? undefined : error;
  const rest = parts.filter((e) => (e as { type?: unknown }).type !== "TOPIC_ALREADY_EXISTS");
  if (rest.length === 0) return undefined;
  if (rest.length === parts.length) return error;
  const left = new Error(rest.map((e) => describeError(e)).join("; "));
  left.name = error.name;
  (left as { errors?: unknown[] }).errors = rest;
  return left;
}

/** The error's own text, or for a per-topic aggregate each distinct reason once (its own says only "Topic creation errors"). */
function describeKafkaError(error: unknown): string {
  const parts = error instanceof Error ? partsOf(error) : undefined;
  return parts ? [...new Set(parts.map(describeError))].join("; ") : describeError(error);
}

export function kafkaError(code: CauseErrorCode, what: string, error: unknown): ShamdanError {
  if (error instanceof ShamdanError) return error;
  return new ShamdanError(code, `${what}: ${describeKafkaError(error)}`, isRetriableKafkaError(error), {
    cause: error,
  });
}
