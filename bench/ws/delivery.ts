/**
 * Which published candle update an arrival (a bus message, an SSE row) carries, and how long it took.
 * An arrival is matched to an update by its values (symbol, open time, OHLCV). One symbol's arrivals
 * come in publish order, so an arrival also delivers every earlier update of its symbol still waiting:
 * a poll skips the updates a later one superseded, and those count until the one that carries them on.
 */
import type { Candle } from "../../indicators/index.ts";

export interface CandleValues extends Candle {
  symbol: string;
}

interface Update {
  at: number;
  /** Inside the measured window (warm-up updates are tracked, so their arrivals match, but not counted). */
  counted: boolean;
}

const keyOf = (c: CandleValues) =>
  `${c.symbol}|${c.openTime}|${c.open}|${c.high}|${c.low}|${c.close}|${c.volume}`;

export class DeliveryLog {
  /** Per symbol, its updates in publish order; `next` is the first one not delivered yet. */
  readonly #updates = new Map<string, { list: Update[]; next: number }>();
  readonly #index = new Map<string, { symbol: string; i: number }>();
  /** Milliseconds from publish to arrival, of the counted updates delivered so far. */
  readonly latencies: number[] = [];
  /** Counted updates that arrived carrying their own values (the rest were carried on by a later one). */
  exact = 0;
  counted = 0;

  published(candle: CandleValues, at: number, counted: boolean): void {
    let entry = this.#updates.get(candle.symbol);
    if (!entry) {
      entry = { list: [], next: 0 };
      this.#updates.set(candle.symbol, entry);
    }
    this.#index.set(keyOf(candle), { symbol: candle.symbol, i: entry.list.length });
    entry.list.push({ at, counted });
    if (counted) this.counted++;
  }

  /** An arrival at `at`; one matching no update, or an update already delivered, changes nothing. */
  arrived(candle: CandleValues, at: number): void {
    const found = this.#index.get(keyOf(candle));
    const entry = found && this.#updates.get(found.symbol);
    if (!found || !entry || found.i < entry.next) return;
    for (let i = entry.next; i <= found.i; i++) {
      const update = entry.list[i] as Update;
      if (!update.counted) continue;
      this.latencies.push(at - update.at);
      if (i === found.i) this.exact++;
    }
    entry.next = found.i + 1;
  }

  /** Whether some update of the symbol has arrived (the path from publish to arrival works). */
  reached(symbol: string): boolean {
    return (this.#updates.get(symbol)?.next ?? 0) > 0;
  }

  get delivered(): number {
    return this.latencies.length;
  }
}
