/**
 * A per-instance cap on open SSE streams (API_MAX_STREAMS). Each stream holds a socket, a queue, a
 * poller or a feed subscription and, while replaying, a page of rows: without a cap, clients opening
 * streams could take the process's memory and the store's connections without limit. Past the cap a
 * new stream is refused with a 503 and Retry-After, so clients back off or go to another instance.
 */
export class StreamSlots {
  #open = 0;

  constructor(readonly max: number) {}

  get open(): number {
    return this.#open;
  }

  /** A release function (idempotent) when a slot was free, undefined when all are taken. */
  tryAcquire(): (() => void) | undefined {
    if (this.#open >= this.max) return undefined;
    this.#open += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open -= 1;
    };
  }
}
