import { backoffDelay, noJitter } from "../core/backoff.ts";

/** Backoff for redelivering a failed batch: initial, 2x, 4x ... capped at max (no jitter: one process). */
export function retryDelayMs(attempts: number, { initial, max }: { initial: number; max: number }): number {
  return backoffDelay(attempts, initial, max, noJitter);
}
