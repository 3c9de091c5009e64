/**
 * How a consumer group's partitions are split among its members: every topic-partition, in
 * (topic, partition) order, goes to the next member that subscribes to its topic. This is kafkajs's
 * RoundRobinAssigner, extended to members with different subscriptions, so five one-partition symbol
 * topics spread over two replicas 3 + 2 instead of 5 + 0.
 */
import type { TopicPartition } from "../../core/bus.ts";

export interface AssignmentMember {
  id: number;
  topics: readonly string[];
}

export function assignRoundRobin(
  members: readonly AssignmentMember[],
  partitionsByTopic: ReadonlyMap<string, number>,
): Map<number, TopicPartition[]> {
  const result = new Map<number, TopicPartition[]>(members.map((m) => [m.id, []]));
  const ordered = [...members].sort((a, b) => a.id - b.id);
  const topics = [...new Set(ordered.flatMap((m) => m.topics))].sort();
  let cursor = 0;
  for (const topic of topics) {
    const count = partitionsByTopic.get(topic) ?? 0;
    for (let partition = 0; partition < count; partition++) {
      for (let tries = 0; tries < ordered.length; tries++) {
        const member = ordered[cursor++ % ordered.length];
        if (member?.topics.includes(topic)) {
          result.get(member.id)?.push({ topic, partition });
          break;
        }
      }
    }
  }
  return result;
}
