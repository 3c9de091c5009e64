/**
 * A per-instance cap on open SSE streams (API_MAX_STREAMS). Each stream holds a socket, a queue, a
 * poller or a feed subscription and, while replaying, a page of rows: without a cap, clients opening
 * streams could take the process's memory and the store's connections without limit. Past the cap a
 * new stream is refused with a 503 and Retry-After, so clients back off or go to another instance.
 */
export class StreamSlots {
  #open = 0;
  #closing = false;
  readonly #onClose = new Set<() => void>();

  constructor(readonly max: number) {}

  get open(): number {
    return this.#open;
  }

  /** True once the server is stopping: open streams end, new ones are refused. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Runs `wake` when the server starts stopping (a stream waiting for rows ends at once); returns the unregister. */
  onClose(wake: () => void): () => void {
    this.#onClose.add(wake);
    return () => this.#onClose.delete(wake);
  }

  /**
   * Ends every open stream now: a stream is idle by design, so a graceful server stop would otherwise
   * wait for it until its deadline. Clients resume elsewhere (or after a restart) with Last-Event-ID.
   */
  close(): void {
    this.#closing = true;
    for (const wake of this.#onClose) wake();
  }

  /** A release function (idempotent) when a slot was free, undefined when all are taken. */
  tryAcquire(): (() => void) | undefined {
    if (this.#closing || this.#open >= this.max) return undefined;
    this.#open += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open -= 1;
    };
  }
}
