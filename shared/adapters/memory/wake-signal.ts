/**
 * A broadcast wake-up for the in-memory bus's consumer loops: publish, commit, rebalance and stop
 * notify it; idle loops await it. One shared promise per round, so waiting costs no timer and no
 * allocation per message (a loop only arms a timer while a retry backoff is pending).
 */
export class WakeSignal {
  private pending: { promise: Promise<void>; resolve: () => void } | null = null;

  /** Resolves at the next `notify()` (call it BEFORE checking the condition you wait for). */
  next(): Promise<void> {
    if (this.pending === null) {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.pending = { promise, resolve };
    }
    return this.pending.promise;
  }

  notify(): void {
    const pending = this.pending;
    this.pending = null;
    pending?.resolve();
  }
}

/** Waits for `wake`, or at most `ms` when given (a pending retry's backoff). */
export function waitForWake(wake: Promise<void>, ms?: number): Promise<void> {
  if (ms === undefined) return wake;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  return Promise.race([wake, timeout]).finally(() => clearTimeout(timer));
}
