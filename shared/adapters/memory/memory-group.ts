/**
 * The in-memory bus's consumer-group bookkeeping: members, their assignments and retry backoffs,
 * and the group's committed offsets (see memory-bus.ts).
 */
import type { SubscribeOptions, TopicPartition } from "../../core/bus.ts";

export interface Member {
  id: number;
  options: SubscribeOptions;
  assignment: TopicPartition[];
  /** Group generation this member has announced through onAssigned (-1: none yet). */
  seenGeneration: number;
  running: boolean;
  /** Per partition: failed attempts in a row and when the next one may start. */
  retries: Map<string, { attempts: number; at: number }>;
  cursor: number;
  loop?: Promise<void>;
}

export interface Group {
  members: Member[];
  committed: Map<string, number>;
  inflight: Set<string>;
  generation: number;
}

export const tpKey = (topic: string, partition: number) => `${partition}\u0000${topic}`;
/** The retry slot of a failing onAssigned, beside the per-partition ones. */
export const ASSIGN_RETRY = "\u0000assign";

/**
 * How long an idle loop may sleep before a backed-off partition becomes ready (undefined: until woken).
 * `now` must be the reading the loop judged readiness with.
 */
export function pendingRetryDelay(member: Member, now: number): number | undefined {
  // Only future retries need a timer: a due one is already eligible, and whatever else holds it
  // back (in flight elsewhere, revoked) notifies the signal when it changes. No busy loop.
  let soonest: number | undefined;
  for (const { at } of member.retries.values())
    if (at > now) soonest = soonest === undefined ? at : Math.min(soonest, at);
  return soonest === undefined ? undefined : soonest - now;
}
