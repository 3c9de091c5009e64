/**
 * A bounded queue of rows between a producer (live feed listener or store poller) and one SSE
 * connection. `next(ms)` resolves with the next row, or undefined after `ms` (time for a heartbeat).
 * When a slow client lets it overflow, the queue reports it and the stream ends: the client resumes
 * with Last-Event-ID instead of the server buffering without bound.
 */
import type { IndicatorRow } from "@shamdan/shared/core/messages";

export class RowQueue {
  readonly #items: IndicatorRow[] = [];
  #waiter: ((row: IndicatorRow | undefined) => void) | undefined;
  #overflowed = false;

  constructor(readonly capacity = 10_000) {}

  get overflowed(): boolean {
    return this.#overflowed;
  }

  push(row: IndicatorRow): void {
    if (this.#waiter) {
      const resolve = this.#waiter;
      this.#waiter = undefined;
      resolve(row);
      return;
    }
    if (this.#items.length >= this.capacity) {
      this.#overflowed = true;
      return;
    }
    this.#items.push(row);
  }

  next(timeoutMs: number): Promise<IndicatorRow | undefined> {
    const item = this.#items.shift();
    if (item) return Promise.resolve(item);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.#waiter = (row) => {
        clearTimeout(timer);
        resolve(row);
      };
    });
  }

  /** Wakes a pending `next` (the connection is closing). */
  wake(): void {
    const resolve = this.#waiter;
    this.#waiter = undefined;
    resolve?.(undefined);
  }
}
