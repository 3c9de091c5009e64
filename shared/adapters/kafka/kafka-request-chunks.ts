/**
 * Splits one `publish` into produce requests Kafka accepts, keeping the caller's order.
 *
 * Kafka refuses a record batch above `message.max.bytes` (1 MiB by default; kafkajs sends one batch per
 * partition per request), so a request carries at most ~900 KB. It also carries at most 500
 * messages, enough to amortise a request's round trip: it was chosen when kafkajs grouped a request's
 * messages in O(n²) (now patched, README "Why kafkajs is patched"), and 2,000 measured no faster
 * since (processor/README.md). Chunks are sent one after another, so per-key (per-partition) order
 * holds.
 */
import type { Message } from "kafkajs";

export const MAX_REQUEST_BYTES = 900 * 1024;
export const MAX_REQUEST_MESSAGES = 500;
/** Record framing (length, attributes, deltas, varints) and batch header share, per record. */
const RECORD_OVERHEAD = 70;

export interface ChunkLimits {
  maxBytes?: number;
  maxMessages?: number;
}

const sizeOf = (value: Message["value"] | Message["key"]): number =>
  value === null || value === undefined
    ? 0
    : typeof value === "string"
      ? Buffer.byteLength(value)
      : value.byteLength;

/** At least sizeOf: a string's UTF-8 form has at most 3 bytes per UTF-16 unit. */
const boundOf = (value: Message["value"] | Message["key"]): number =>
  value === null || value === undefined ? 0 : typeof value === "string" ? value.length * 3 : value.byteLength;

/**
 * Consecutive slices of `messages`, each within the limits (a single oversized message goes alone).
 * A chunk is measured by upper bounds first and exactly only once those could pass `maxBytes`:
 * Buffer.byteLength of every row showed in the processor's profile, and rows never get near the limit.
 */
export function kafkaRequestChunks<M extends Message>(
  messages: readonly M[],
  limits: ChunkLimits = {},
): M[][] {
  const maxBytes = limits.maxBytes ?? MAX_REQUEST_BYTES;
  const maxMessages = limits.maxMessages ?? MAX_REQUEST_MESSAGES;
  const chunks: M[][] = [];
  let chunk: M[] = [];
  let bytes = 0;
  /** Whether `bytes` is exact (else it is a sum of upper bounds). */
  let exact = false;
  const exactSize = (m: M) => sizeOf(m.key) + sizeOf(m.value) + RECORD_OVERHEAD;
  const boundSize = (m: M) => boundOf(m.key) + boundOf(m.value) + RECORD_OVERHEAD;
  for (const message of messages) {
    let size = boundSize(message);
    if (exact || bytes + size > maxBytes) {
      if (!exact) bytes = chunk.reduce((sum, m) => sum + exactSize(m), 0);
      exact = true;
      size = exactSize(message);
    }
    if (chunk.length > 0 && (bytes + size > maxBytes || chunk.length >= maxMessages)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
      size = boundSize(message);
      exact = size > maxBytes;
      if (exact) size = exactSize(message);
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
