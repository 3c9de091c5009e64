/**
 * Retry with exponential backoff and jitter, for a dependency that went away (a store, a broker, an
 * upstream API) and will come back. Waits in short slices so a shutdown or a group heartbeat is never held up by a long sleep.
 */
export interface BackoffOptions {
  /** First delay; doubles per attempt up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** False once the caller is stopping: the last error is rethrown instead of waiting again. */
  shouldContinue(): boolean;
  /** Called between wait slices (e.g. a consumer-group heartbeat). */
  tick?(): Promise<void>;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
  /** False for an error that waiting cannot fix (e.g. a configuration the server rejects): rethrown at once. Default: retry every error. */
  retryIf?(error: unknown): boolean;
  random?: () => number;
}

/**
 * Delay before retry `attempt` (1-based): exponential, capped, with "equal jitter" (half fixed, half
 * random) so replicas that failed together do not retry together. `noJitter` gives the plain ceiling.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export const noJitter = () => 1;

const SLICE_MS = 200;

export async function retryWithBackoff<T>(work: () => Promise<T>, options: BackoffOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!options.shouldContinue() || options.retryIf?.(error) === false) throw error;
      const delay = backoffDelay(attempt, options.baseMs, options.maxMs, options.random);
      options.onRetry?.(error, attempt, delay);
      const until = Date.now() + delay;
      while (Date.now() < until) {
        if (!options.shouldContinue()) throw error;
        await Bun.sleep(Math.min(SLICE_MS, until - Date.now()));
        await options.tick?.();
      }
      if (!options.shouldContinue()) throw error;
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
