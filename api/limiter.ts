/**
 * An async semaphore: at most `max` tasks run at once, the others wait in arrival order. Stream
 * replays fetch their pages through one of these, so however many streams replay at once, only a few
 * pages are being read and parsed at a time (each costs several times its rows' size while in flight)
 * and replays never take every pooled store connection from ordinary reads.
 */
export class Limiter {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running += 1;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (the count stays), or free it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running -= 1;
    }
  }
}
