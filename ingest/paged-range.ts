/**
 * A long range (the start-up backfill, or the gap after a long outage) read as pages of at most 500
 * periods (the endpoint's per-answer maximum), several at a time within two bounds, and handed over in
 * time order:
 * - per range, at most `concurrency` pages are requested at once, and answered pages wait to be handed over
 *   up to `readAhead` pages ahead of the oldest one not yet handed over, so memory holds a few pages
 *   whatever the range's length, and the next pages arrive while the caller publishes the last ones;
 * - overall, every request of every symbol goes through one `RequestLimit`.
 * A failed page is retried (`attempts` in all) after the delay its error asks for: a 429 holds back
 * every page of the range for the server's `backOff`, as Nobitex expects of a client (pages waiting for
 * a request slot, or sleeping until an earlier backOff ended, too: only requests already sent when the
 * 429 came back are answered inside it). A page that still
 * fails ends the range with that error; the pages before it have been handed over, so a caller that
 * records its progress continues from there and loses nothing.
 */
import { backoffDelay, sleepUnlessAborted } from "@shamdan/shared/core/backoff";
import type { BackoffPolicy } from "./backoff.ts";
import type { HistoryPage } from "./nobitex-client.ts";
import { serverBackOffMs } from "./nobitex-error.ts";

/** Unix seconds, both inclusive. */
export interface PageWindow {
  from: number;
  to: number;
}

/** `from..to` (unix seconds, inclusive) cut into windows of at most `periodsPerPage` periods, oldest first. */
export function pageWindows(from: number, to: number, periodSeconds: number, periodsPerPage: number) {
  const span = periodsPerPage * periodSeconds;
  const windows: PageWindow[] = [];
  for (let start = from; start <= to; start += span)
    windows.push({ from: start, to: Math.min(to, start + span - 1) });
  return windows;
}

/** At most `max` tasks running at once; the others wait in arrival order. */
export class RequestLimit {
  #running = 0;
  #peak = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** Most tasks that ran at the same time so far. */
  get peak(): number {
    return this.#peak;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    this.#peak = Math.max(this.#peak, this.#running);
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so the count never drops below what runs.
      if (next) next();
      else this.#running--;
    }
  }
}

export interface PagedRangeOptions {
  windows: readonly PageWindow[];
  fetch: (window: PageWindow, signal: AbortSignal) => Promise<HistoryPage>;
  /** Pages of this range in flight at once. */
  concurrency: number;
  /** Pages fetched (or in flight) ahead of the caller, at least `concurrency`; default `concurrency`. */
  readAhead?: number;
  /** Shared by every range (and single polls): requests in flight over all symbols. */
  limit: RequestLimit;
  /** Tries per page, the first included. */
  attempts: number;
  backoff: BackoffPolicy;
  random?: () => number;
  signal: AbortSignal;
}

/** One page's answer, with the window it was asked for. */
export interface WindowPage {
  window: PageWindow;
  page: HistoryPage;
}

/**
 * The pages in time order, each group holding the consecutive pages that were ready together (so a
 * caller can publish them at once). Throws the error of a page that failed every try.
 */
export async function* pagedRange(options: PagedRangeOptions): AsyncGenerator<WindowPage[]> {
  const { windows, limit, signal } = options;
  const random = options.random ?? Math.random;
  // A 429 holds back the whole range (Nobitex counts per client, not per page).
  let pausedUntil = 0;
  // Stops this range's own requests (abandoned on an error or an early return) and follows `signal`.
  const own = new AbortController();
  const onAbort = () => own.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });

  /** Until the range's backOff is over, however often a 429 moves its end while we wait. */
  const untilResumed = async () => {
    while (Date.now() < pausedUntil && !own.signal.aborted) await sleepUntil(pausedUntil, own.signal);
  };
  /**
   * One request, sent only while the range is not paused: checked again once a request slot is ours
   * (a 429 may have come while this page waited for it), and a 429 pauses the range before the slot
   * passes on, so no page queued behind it can go out inside the backOff.
   */
  const fetchOnce = async (window: PageWindow): Promise<HistoryPage> => {
    for (;;) {
      await untilResumed();
      const answer = await limit.run(async () => {
        if (Date.now() < pausedUntil && !own.signal.aborted) return undefined;
        try {
          return { page: await options.fetch(window, own.signal) };
        } catch (error) {
          const backOffMs = serverBackOffMs(error, options.backoff.maxServerBackOffMs);
          if (backOffMs !== undefined) pausedUntil = Math.max(pausedUntil, Date.now() + backOffMs);
          throw error;
        }
      });
      if (answer) return answer.page;
    }
  };

  const fetchWithRetries = async (window: PageWindow): Promise<HistoryPage> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetchOnce(window);
      } catch (error) {
        if (own.signal.aborted || attempt >= options.attempts) throw error;
        // A 429 already paused the range (fetchOnce); anything else waits its own backoff.
        if (serverBackOffMs(error, options.backoff.maxServerBackOffMs) === undefined)
          await sleepUntil(
            Date.now() + backoffDelay(attempt, options.backoff.baseMs, options.backoff.maxMs, random),
            own.signal,
          );
      }
    }
  };

  interface Pending {
    window: PageWindow;
    result: Promise<HistoryPage>;
    settled?: { page: HistoryPage } | { error: unknown };
  }
  const inFlight: Pending[] = [];
  const concurrency = Math.max(1, options.concurrency);
  const readAhead = Math.max(concurrency, options.readAhead ?? concurrency);
  let next = 0;
  let unanswered = 0;
  // Started from here and from every answer, so pages keep coming while the caller works on the last ones.
  const pump = () => {
    while (
      next < windows.length &&
      unanswered < concurrency &&
      inFlight.length < readAhead &&
      !own.signal.aborted
    ) {
      const window = windows[next++] as PageWindow;
      const pending: Pending = { window, result: fetchWithRetries(window) };
      unanswered++;
      pending.result.then(
        (page) => {
          pending.settled = { page };
          unanswered--;
          pump();
        },
        (error) => {
          pending.settled = { error };
          unanswered--;
        },
      );
      inFlight.push(pending);
    }
  };
  try {
    while (next < windows.length || inFlight.length > 0) {
      pump();
      const head = inFlight[0] as Pending;
      await head.result.catch(() => {});
      const group: WindowPage[] = [];
      // The head and every page after it that is already answered, in order.
      while (inFlight[0]?.settled) {
        const done = inFlight.shift() as Pending;
        const settled = done.settled as { page: HistoryPage } | { error: unknown };
        if ("error" in settled) {
          if (group.length > 0) yield group;
          throw settled.error;
        }
        group.push({ window: done.window, page: settled.page });
      }
      yield group;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    own.abort();
    // Abandoned pages settle quietly (their results are dropped).
    for (const pending of inFlight) pending.result.catch(() => {});
  }
}

/** Resolves at `epochMs` (at once if past), or when `signal` aborts. */
const sleepUntil = (epochMs: number, signal: AbortSignal) => sleepUnlessAborted(epochMs - Date.now(), signal);
