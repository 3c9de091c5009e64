/**
 * Per-symbol backoff: HTTP 429 waits exactly the `backOff` seconds Nobitex asked
 * for; other failures back off exponentially with jitter, capped. Times come from the injected clock.
 * Not retryWithBackoff: the poller asks when each symbol may poll next on its cron tick (no loop to wrap),
 * and a 429's delay is the server's; the exponential part is the shared backoffDelay.
 */
import { backoffDelay } from "@shamdan/shared/core/backoff";
import { serverBackOffMs } from "./nobitex-error.ts";

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** Upper bound for a server-requested backOff, so a bogus value cannot park a symbol for days. */
  maxServerBackOffMs: number;
}

export const defaultBackoffPolicy: BackoffPolicy = {
  baseMs: 1000,
  maxMs: 60_000,
  maxServerBackOffMs: 600_000,
};

export class Backoff {
  #failures = 0;
  #until = 0;
  #lastDelayMs = 0;

  constructor(
    readonly policy: BackoffPolicy = defaultBackoffPolicy,
    readonly random: () => number = Math.random,
  ) {}

  get failures(): number {
    return this.#failures;
  }

  /** The delay chosen after the last failure (0 after a success). */
  get lastDelayMs(): number {
    return this.#lastDelayMs;
  }

  isWaiting(now: number): boolean {
    return now < this.#until;
  }

  remainingMs(now: number): number {
    return Math.max(0, this.#until - now);
  }

  onSuccess(): void {
    this.#failures = 0;
    this.#until = 0;
    this.#lastDelayMs = 0;
  }

  /** Records a failure at `now` and returns how long to wait before the next attempt. */
  onFailure(error: unknown, now: number): number {
    this.#failures++;
    const delay =
      serverBackOffMs(error, this.policy.maxServerBackOffMs) ??
      backoffDelay(this.#failures, this.policy.baseMs, this.policy.maxMs, this.random);
    this.#lastDelayMs = delay;
    this.#until = now + delay;
    return delay;
  }
}
