/**
 * Key -> partition exactly as the Java client's (and kafkajs's DefaultPartitioner) murmur2 does, so
 * the in-memory bus places a key on the same partition number Kafka would: state and tests carry over
 * between embedded and Kafka mode. Reference: apache/kafka `Utils.murmur2` and `toPositive`.
 */
const encoder = new TextEncoder();
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 of the key's bytes (signed 32-bit). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  // Indexes below stay under `length`; `?? 0` only satisfies the type checker (never taken).
  const at = (i: number): number => data[i] ?? 0;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = at(i4) | (at(i4 + 1) << 8) | (at(i4 + 2) << 16) | (at(i4 + 3) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The 1-3 tail bytes, mixed as Java's switch with fall-through does.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= at(tail + 2) << 16;
  if (rest >= 2) h ^= at(tail + 1) << 8;
  if (rest >= 1) {
    h ^= at(tail);
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for `key` among `partitions`. */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(encoder.encode(key)) & 0x7fffffff) % partitions;
}
