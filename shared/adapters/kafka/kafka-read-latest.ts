/**
 * `readLatestByKey` on Kafka: reads a topic from its start up to the high watermarks taken at call
 * time and keeps the latest value per key (a tombstone deletes it; `replaces` may keep an earlier
 * one, read-latest.ts). kafkajs has no manual partition assignment, so this joins a throwaway
 * consumer group with a unique id that never commits, and deletes the group afterwards.
 */
import { randomUUID } from "node:crypto";
import type { Admin, Kafka } from "kafkajs";
import type { ReadLatestOptions } from "../../core/bus.ts";
import { ShamdanError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { keepLater } from "../keep-later.ts";
import { kafkaError } from "./kafka-error.ts";

// Long on purpose: one throwaway consumer's life (watermarks, run, stop, delete the group) in order.
export async function kafkaReadLatestByKey(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  options: { clientId: string; timeoutMs: number; logger: Logger; read?: ReadLatestOptions },
): Promise<Map<string, Uint8Array>> {
  let ends: Awaited<ReturnType<Admin["fetchTopicOffsets"]>>;
  try {
    ends = await admin.fetchTopicOffsets(topic);
  } catch (error) {
    throw kafkaError("BUS_READ_FAILED", `reading the offsets of ${topic}`, error);
  }
  // Partition -> last offset to read (high watermark - 1), for the partitions holding anything.
  const pending = new Map<number, bigint>();
  for (const e of ends) if (BigInt(e.high) > BigInt(e.low)) pending.set(e.partition, BigInt(e.high) - 1n);
  const latest = new Map<string, Uint8Array>();
  if (pending.size === 0) return latest;

  const groupId = `${options.clientId}-read-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
  const finished = Promise.withResolvers<void>();
  const timer = setTimeout(
    () =>
      finished.reject(
        new ShamdanError("BUS_READ_TIMEOUT", `reading ${topic} took over ${options.timeoutMs} ms`),
      ),
    options.timeoutMs,
  );
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        const last = pending.get(batch.partition);
        if (last === undefined) return;
        for (const m of batch.messages) {
          if (BigInt(m.offset) > last || m.key === null) continue;
          const key = m.key.toString("utf8");
          if (m.value === null) latest.delete(key);
          else
            keepLater(
              latest,
              key,
              new Uint8Array(m.value.buffer, m.value.byteOffset, m.value.byteLength),
              options.read ?? {},
            );
        }
        // lastOffset() counts records kafkajs filtered out (control records), so compare with it.
        if (BigInt(batch.lastOffset()) >= last) pending.delete(batch.partition);
        if (pending.size === 0) finished.resolve();
      },
    });
    await finished.promise;
    return latest;
  } catch (error) {
    throw kafkaError("BUS_READ_FAILED", `reading ${topic}`, error);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
    await admin.deleteGroups([groupId]).catch((error: unknown) => {
      options.logger.debug("could not delete the throwaway read group", { groupId, error });
    });
  }
}
