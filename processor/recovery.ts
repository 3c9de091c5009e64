/**
 * Recovery from the changelog: which of a partition's states on the compacted topic counts (the most
 * advanced valid one), and a partition's task rebuilt from it on (re)assignment. processor/README.md
 * has the argument.
 */

import type { EngineSettings } from "@shamdan/indicators";
import type { Bus, TopicPartition } from "@shamdan/shared/core/bus";
import { ShamdanError } from "@shamdan/shared/core/errors";
import type { Logger } from "@shamdan/shared/core/log";
import { parseMessage } from "@shamdan/shared/core/parse-message";
import type { ProcessorMetrics } from "./metrics.ts";
import { type PartitionState, PartitionStateSchema, PartitionTask, stateKey } from "./partition-task.ts";

/**
 * For readLatestByKey on the changelog: whether a later value of a partition's key replaces the one
 * kept so far.
 * - A value that is not a valid state (junk from a foreign producer, a hostile write) never replaces a
 *   valid state, and a valid state always replaces it: restores skip such values (counted, logged).
 * - Between valid states the most advanced wins. States of one partition only move forward (each is
 *   published after its rows, and reflects exactly the input before its `nextOffset`), so the one
 *   with the highest `nextOffset` is the most advanced; a lower one written later can only come from a
 *   replica that lost its partitions but was still finishing a batch (a zombie).
 */
export function laterStateReplaces(later: Uint8Array, kept: Uint8Array): boolean {
  const [l, k] = [validStateOffset(later), validStateOffset(kept)];
  if (l === undefined) return k === undefined;
  return k === undefined || l >= k;
}

/**
 * The `nextOffset` of a value that is a valid state, or undefined for anything else. Remembered per
 * value: a restore compares the value kept so far with every later one.
 */
const stateOffsets = new WeakMap<Uint8Array, bigint | undefined>();
function validStateOffset(bytes: Uint8Array): bigint | undefined {
  if (stateOffsets.has(bytes)) return stateOffsets.get(bytes);
  const parsed = parseMessage(PartitionStateSchema, bytes);
  const offset = parsed.ok ? BigInt(parsed.value.nextOffset) : undefined;
  stateOffsets.set(bytes, offset);
  return offset;
}

export interface StateRecoveryOptions {
  bus: Bus;
  changelog: string;
  metrics: ProcessorMetrics;
  logger: Logger;
  settings: EngineSettings;
  topicOfSymbol: (symbol: string) => string;
}

/** The two recovery steps bound to one changelog (a container of two short functions). */
export function stateRecovery(options: StateRecoveryOptions) {
  const { bus, changelog, metrics, logger, settings, topicOfSymbol } = options;
  /**
   * Every partition's most advanced valid state (see laterStateReplaces). When values that are not
   * states were skipped, the states kept are published again: compaction keeps a key's last write once
   * the minimum lag has passed, and the last write must be a valid state, not the junk.
   */
  const readStates = async (partitions: readonly TopicPartition[]): Promise<Map<string, Uint8Array>> => {
    let skipped = 0;
    const latest = await bus.readLatestByKey(changelog, {
      replaces: (later, kept) => {
        if (validStateOffset(later) === undefined) skipped++;
        return laterStateReplaces(later, kept);
      },
    });
    if (skipped > 0) {
      metrics.rejected.inc({ reason: "invalid_state" }, skipped);
      logger.warn("changelog values that are not valid states were skipped", { changelog, skipped });
      const again = partitions
        .map(({ topic, partition }) => stateKey(topic, partition))
        .flatMap((key) => {
          const value = latest.get(key);
          return value && validStateOffset(value) !== undefined ? [{ key, value }] : [];
        });
      await bus.publish(changelog, again);
    }
    return latest;
  };

  /** A partition's task, resumed from its state in `latest` when there is one. */
  const restore = (
    latest: ReadonlyMap<string, Uint8Array>,
    { topic, partition }: TopicPartition,
  ): { task: PartitionTask; restored: boolean } => {
    const key = stateKey(topic, partition);
    const bytes = latest.get(key);
    let state: PartitionState | undefined;
    if (bytes) {
      const parsed = parseMessage(PartitionStateSchema, bytes);
      if (!parsed.ok) {
        // Resuming from nothing would publish wrong rows under the same keys: refuse instead.
        throw new ShamdanError(
          "PROCESSOR_STATE_INVALID",
          `changelog ${changelog} key ${key} is not a valid state (${parsed.reason})`,
        );
      }
      state = parsed.value;
      metrics.restores.inc();
    }
    const task = new PartitionTask(settings, topic, partition, topicOfSymbol, state);
    logger.info("partition assigned", {
      topic,
      partition,
      nextOffset: String(task.expectedOffset),
      restored: !!state,
    });
    return { task, restored: state !== undefined };
  };

  return { readStates, restore };
}
