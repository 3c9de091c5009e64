/**
 * Writes one batch to the store and tells apart the two ways a write fails:
 * - the store is down (not reached, or a server error while its health check fails too): wait with
 *   backoff and write the same rows again, forever, heart-beating the consumer group meanwhile;
 * - the store refuses rows (STORE_REJECTED, or a server error while its health check passes): bisect
 *   the failing rows to find the ones it refuses, write every other row, and return the refused ones
 *   with the store's reason. A row is refused only if it fails alone; a server error must fail twice
 *   for it, so passing trouble is not mistaken for a bad row.
 * Bisection: a failing group is split in halves; when the left half is written, the failure is in the
 * right half, which is split at once without a write of its own. n rows with k refused cost O(k log n)
 * writes, log2(n) levels deep.
 */
import { retryWithBackoff } from "@shamdan/shared/core/backoff";
import { redact, ShamdanError } from "@shamdan/shared/core/errors";
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import type { StoreWriter } from "@shamdan/shared/core/store";

export interface Refused<T> {
  item: T;
  /** The store's own reason (e.g. QuestDB's error text). */
  reason: string;
}

export interface IsolatingOptions<T> {
  store: StoreWriter;
  rowOf(item: T): IndicatorRow;
  retry: { baseMs: number; maxMs: number };
  /** False once the batch must be abandoned (stopping, partition revoked): the last error is thrown. */
  shouldContinue(): boolean;
  /** Keeps the consumer group's session alive; called during waits and long writes. */
  heartbeat(): Promise<void>;
  /** How often `heartbeat` runs while a write or health check is in flight. Default 500 ms. */
  heartbeatEveryMs?: number;
  /** The store is down: about to wait `delayMs` before attempt `attempt + 1`. */
  onOutage?(error: unknown, attempt: number, delayMs: number): void;
  /** The store answered (it wrote the rows or refused some): it is up. */
  onAnswer?(): void;
  /** Every failed write, whatever it meant. */
  onWriteError?(error: unknown): void;
  random?: () => number;
}

export interface IsolatingResult<T> {
  refused: Refused<T>[];
  /** Groups of rows sent to the store: 1 when the batch was written whole (an outage's retries of one group count once). */
  writes: number;
}

type Attempt = { ok: true } | { ok: false; error: unknown };

const codeOf = (error: unknown) => (error instanceof ShamdanError ? error.code : undefined);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs `work` while heart-beating the group, so a slow store never expires the session. */
async function whileHeartbeating<R>(
  heartbeat: () => Promise<void>,
  everyMs: number,
  work: () => Promise<R>,
): Promise<R> {
  let beating = false;
  const timer = setInterval(() => {
    if (beating) return;
    beating = true;
    // A failed heartbeat (rebalance) shows up in shouldContinue(); the write itself goes on.
    heartbeat()
      .catch(() => {})
      .finally(() => {
        beating = false;
      });
  }, everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * Writes `items`, isolating the ones the store refuses (see the top of this file). One function on
 * purpose: the attempt, the refusal check and the bisection share the options and the write count.
 */
export async function writeIsolating<T>(
  items: readonly T[],
  options: IsolatingOptions<T>,
): Promise<IsolatingResult<T>> {
  const { store } = options;
  let writes = 0;

  const heartbeating = <R>(work: () => Promise<R>) =>
    whileHeartbeating(options.heartbeat, options.heartbeatEveryMs ?? 500, work);

  /** True when `error` means the store refused these rows, false when it is down. */
  const refusal = async (error: unknown): Promise<boolean> => {
    const code = codeOf(error);
    if (code === "STORE_REJECTED") return true;
    if (code !== "STORE_SERVER_ERROR") return false;
    if (store.pingWrites === undefined) return true;
    try {
      await heartbeating(() => store.pingWrites?.() ?? Promise.resolve());
      return true;
    } catch {
      return false;
    }
  };

  /** Writes `group` whole: resolves written or refused; waits out an outage for as long as it lasts. */
  const attempt = (group: readonly T[]): Promise<Attempt> => {
    writes++;
    return retryWithBackoff(
      async (): Promise<Attempt> => {
        try {
          await heartbeating(() => store.write(group.map(options.rowOf)));
        } catch (error) {
          options.onWriteError?.(error);
          if (!(await refusal(error))) throw error;
          options.onAnswer?.();
          return { ok: false, error };
        }
        options.onAnswer?.();
        return { ok: true };
      },
      {
        ...options.retry,
        shouldContinue: options.shouldContinue,
        tick: options.heartbeat,
        onRetry: options.onOutage,
        random: options.random,
      },
    );
  };

  /** The error writing `group` whole ended with, or undefined when it was written. */
  const failureOf = async (group: readonly T[]): Promise<unknown> => {
    const result = await attempt(group);
    return result.ok ? undefined : result.error;
  };

  /** One row; `failure`: what writing it alone already failed with. */
  const single = async (item: T, failure?: unknown): Promise<Refused<T>[]> => {
    let error = failure ?? (await failureOf([item]));
    // A server error may be passing trouble: the row is refused only if it repeats for it alone.
    if (error !== undefined && codeOf(error) === "STORE_SERVER_ERROR") error = await failureOf([item]);
    return error === undefined ? [] : [{ item, reason: redact(messageOf(error)) }];
  };

  /** `failed`: the error `group` failed with as a whole, or "known" when only its failure is known. */
  const isolate = async (
    group: readonly T[],
    failed?: { error: unknown } | "known",
  ): Promise<Refused<T>[]> => {
    let known = failed;
    if (known === undefined) {
      const result = await attempt(group);
      if (result.ok) return [];
      known = { error: result.error };
    }
    if (group.length === 1) return single(group[0] as T, known === "known" ? undefined : known.error);
    const mid = Math.ceil(group.length / 2);
    const left = await isolate(group.slice(0, mid));
    // The whole failed and nothing in its left half was refused: the failure is in the right half.
    const right = await isolate(group.slice(mid), left.length === 0 ? "known" : undefined);
    return [...left, ...right];
  };

  if (items.length === 0) return { refused: [], writes };
  const refused = await isolate(items);
  return { refused, writes };
}
