/**
 * kafkajs's DefaultPartitioner (murmur2 of the key modulo the partition count, like the Java client),
 * remembering the answer per string key. kafkajs calls the partitioner once per message, and the
 * default one filters the partition list and hashes the key bytes each time, a visible share of the
 * processor's CPU in `bun --cpu-prof` for a handful of distinct keys (one per symbol). The result depends only on
 * (key, partition count), so the cache is keyed by both and returns exactly what the default would.
 */
import { type ICustomPartitioner, Partitioners } from "kafkajs";

/** Past this many keys per partition count the cache starts over (keys are symbols: a few dozen). */
const MAX_KEYS = 10_000;

export const CachedKeyPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  const byCount = new Map<number, Map<string, number>>();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (typeof message.key !== "string") return fallback(args);
    let cache = byCount.get(partitionMetadata.length);
    if (cache === undefined) {
      cache = new Map();
      byCount.set(partitionMetadata.length, cache);
    }
    let partition = cache.get(message.key);
    if (partition === undefined) {
      partition = fallback(args);
      if (cache.size >= MAX_KEYS) cache.clear();
      cache.set(message.key, partition);
    }
    return partition;
  };
};
