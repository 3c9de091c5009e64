/**
 * Whether a failed publish was refused because of the messages themselves, so publishing them again
 * can never succeed (unlike a broker that is down, which the bus retries and the batch's redelivery
 * outlasts). Kafka answers these per produce request with an error code; kafkajs keeps the code's
 * name as `type` on the error the Bus adapter wraps (as its `cause`), e.g. MESSAGE_TOO_LARGE for a
 * record batch above the topic's `max.message.bytes`.
 */
import { ShamdanError } from "@shamdan/shared/core/errors";

/** Kafka protocol errors about the records sent, not about the broker or the client's state. */
const ABOUT_THE_MESSAGES = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "CORRUPT_MESSAGE",
  "INVALID_TIMESTAMP",
]);

/** The Kafka error name when `error` says the messages can never be published, else undefined. */
export function unpublishableBecause(error: unknown): string | undefined {
  // The bus retries what may pass later (broker down, leader moving); only a final refusal counts.
  if (error instanceof ShamdanError && error.canRetry) return undefined;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === "string" && ABOUT_THE_MESSAGES.has(type)) return type;
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return undefined;
}
