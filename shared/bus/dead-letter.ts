/**
 * A consumed message that failed its schema, wrapped as a `DeadLetter` (shared/messages.ts): the reason,
 * where it came from and its original bytes untouched, so it can be inspected and replayed later.
 */

import type { DeadLetter } from "../messages.ts";
import type { ConsumedMessage, OutgoingMessage } from "./bus.ts";

export function deadLetterFor(service: string, message: ConsumedMessage, reason: string): OutgoingMessage {
  const letter: DeadLetter = {
    v: 1,
    reason,
    source: { topic: message.topic, partition: message.partition, offset: message.offset, key: message.key },
    originalBase64: Buffer.from(message.value).toString("base64"),
    failedAt: Date.now(),
    service,
  };
  // Keyed by origin so the letters of one partition stay in order on the dead-letter topic.
  return { key: `${message.topic}:${message.partition}`, value: JSON.stringify(letter) };
}
