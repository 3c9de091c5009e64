/**
 * Publishes in order, in requests of bounded size. kafkajs sends one record batch per partition per
 * request, and Kafka refuses a batch above `message.max.bytes` (1 MiB by default): 3,000 rows of one
 * symbol (one fetch) are already ~1.2 MB. Chunks are sent one after another, so per-key order holds.
 */
import type { Bus, OutgoingMessage } from "@shamdan/shared/bus/bus";

/** Well under Kafka's 1 MiB default, leaving room for record overhead. */
export const MAX_REQUEST_BYTES = 512 * 1024;

export async function publishChunked(
  bus: Bus,
  topic: string,
  messages: readonly OutgoingMessage[],
  maxBytes = MAX_REQUEST_BYTES,
): Promise<void> {
  let chunk: OutgoingMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = message.key.length + (message.value === null ? 0 : message.value.length) + 64;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      await bus.publish(topic, chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) await bus.publish(topic, chunk);
}
