/**
 * Where the live stream gets new rows from. In embedded mode the wiring connects it to the in-memory
 * bus; in Kafka mode `kafka-live-feed.ts` consumes `output_topic`; with no feed at all the stream
 * polls the store (see `row-queue.ts`).
 */
import type { IndicatorRow } from "@shamdan/shared/core/messages";

export interface LiveFeed {
  /** Calls `listener` for every new (or replaced) row; returns the unsubscribe function. */
  subscribe(listener: (row: IndicatorRow) => void): () => void;
  /**
   * False while the feed is not receiving yet (Kafka not reachable at start-up): a stream then polls
   * the store meanwhile, so no row written in that time is missed.
   */
  isLive(): boolean;
}

/** A fan-out LiveFeed: whoever receives rows calls `publish`, every subscriber gets them. */
export class LiveHub implements LiveFeed {
  readonly #listeners = new Set<(row: IndicatorRow) => void>();

  subscribe(listener: (row: IndicatorRow) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(row: IndicatorRow): void {
    // One broken listener (a closed stream) must not starve the others.
    for (const listener of this.#listeners) {
      try {
        listener(row);
      } catch {
        this.#listeners.delete(listener);
      }
    }
  }

  isLive(): boolean {
    return true;
  }

  get size(): number {
    return this.#listeners.size;
  }
}
