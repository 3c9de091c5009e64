/** Exponential backoff for redelivering a failed batch: initial, 2x, 4x ... capped at max. */
export function retryDelayMs(attempts: number, { initial, max }: { initial: number; max: number }): number {
  return Math.min(max, initial * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
}
