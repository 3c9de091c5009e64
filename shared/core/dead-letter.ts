/**
 * A consumed message that failed its schema, wrapped as a `DeadLetter` (shared/core/messages.ts): the reason,
 * where it came from and its original bytes untouched, so it can be inspected and replayed later.
 *
 * A letter always fits the broker: Kafka refuses a record above `max.message.bytes` (1 MiB by default),
 * and base64 grows the original by a third, so a letter for a large message would itself be refused and
 * the consumer that wrote it would be stuck. Above MAX_DEAD_LETTER_BYTES the original is truncated;
 * `originalBytes` (its full length) and `originalSha256` (of the full original) still identify it.
 */
import { createHash } from "node:crypto";
import type { ConsumedMessage, OutgoingMessage } from "./bus.ts";
import type { DeadLetter } from "./messages.ts";

/** Upper bound of a letter's JSON, in bytes: half of Kafka's default 1 MiB, leaving room for framing. */
export const MAX_DEAD_LETTER_BYTES = 512 * 1024;
/** Longest reason and key kept (a schema error may quote a huge input; a Kafka key may be 1 MiB). */
const MAX_REASON_CHARS = 4096;
const MAX_KEY_CHARS = 1024;

const clip = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;

export function deadLetterFor(
  service: string,
  message: ConsumedMessage,
  reason: string,
  maxBytes: number = MAX_DEAD_LETTER_BYTES,
): OutgoingMessage {
  const original = message.value;
  const letter: DeadLetter = {
    v: 1,
    reason: clip(reason, MAX_REASON_CHARS),
    source: {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key === null ? null : clip(message.key, MAX_KEY_CHARS),
    },
    originalBase64: "",
    failedAt: Date.now(),
    service,
    originalBytes: original.byteLength,
    truncated: false,
    originalSha256: createHash("sha256").update(original).digest("hex"),
  };
  // Everything but the original is small and bounded; measure it once, then fit the original in the rest.
  const budget = maxBytes - Buffer.byteLength(JSON.stringify(letter));
  const fits = Math.max(0, Math.floor(budget / 4) * 3);
  const kept = original.byteLength <= fits ? original : original.subarray(0, fits);
  letter.truncated = kept !== original;
  letter.originalBase64 = Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength).toString("base64");
  // Keyed by origin so the letters of one partition stay in order on the dead-letter topic.
  return { key: `${message.topic}:${message.partition}`, value: JSON.stringify(letter) };
}
