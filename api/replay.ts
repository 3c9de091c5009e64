/**
 * A stream's replay on `Last-Event-ID`: every stored row from an open time on, for several symbols,
 * merged in the stream's order (open time, then symbol) and read from the store page by page.
 *
 * Why pages: a replay from the beginning of a long history is millions of rows. Read whole, it is one
 * huge query per symbol that runs into the query timeout (a 503 instead of a stream) and a backlog held
 * in memory for as long as the client takes to read it. Here each symbol holds one page at a time (the
 * budget `pageRows` is shared among the symbols), the next page is asked for only when the client has
 * taken the current one (the caller awaits each write), and each page is a short query well inside the
 * timeout. Pages move `from` past the last row read; (symbol, open time) is unique, so no row is
 * skipped or repeated at a page boundary.
 */
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import type { ApiContext } from "./api-context.ts";
import type { Limiter } from "./limiter.ts";

/** The latest instant a JS Date can hold: the replay reads up to whatever the store has. */
export const END_OF_TIME_MS = 8_640_000_000_000_000;
/** However many symbols share the budget, each asks for at least this many rows per page. */
export const MIN_PAGE_PER_SYMBOL = 50;

interface Cursor {
  symbol: string;
  rows: IndicatorRow[];
  index: number;
  /** Open time the next page starts at. */
  from: number;
  /** The store has no rows past the current page. */
  last: boolean;
}

export class Replay {
  readonly #cursors: Cursor[];
  readonly #perSymbol: number;

  constructor(
    private readonly api: ApiContext,
    symbols: readonly string[],
    from: number,
    pageRows: number,
    /** Shared by every replay of the app: bounds the pages in flight at once. */
    private readonly fetches: Limiter,
  ) {
    this.#perSymbol = Math.max(MIN_PAGE_PER_SYMBOL, Math.ceil(pageRows / Math.max(1, symbols.length)));
    this.#cursors = symbols.map((symbol) => ({ symbol, rows: [], index: 0, from, last: false }));
  }

  /** The next row in (open time, symbol) order, or undefined when every symbol is read to its end. */
  async next(): Promise<IndicatorRow | undefined> {
    // Pages are fetched when a row is asked for, not when the previous one is handed out: a failing
    // fetch then costs no row already taken from the store. One symbol after the other, so a replay
    // never takes more than one pooled connection.
    for (const cursor of this.#cursors)
      if (cursor.index >= cursor.rows.length && !cursor.last) await this.#fill(cursor);
    let best: Cursor | undefined;
    let bestRow: IndicatorRow | undefined;
    for (const cursor of this.#cursors) {
      const row = cursor.rows[cursor.index];
      if (!row) continue;
      if (
        !bestRow ||
        row.openTime < bestRow.openTime ||
        (row.openTime === bestRow.openTime && row.symbol < bestRow.symbol)
      ) {
        best = cursor;
        bestRow = row;
      }
    }
    if (!best || !bestRow) return undefined;
    best.index += 1;
    if (best.index >= best.rows.length && best.last) best.rows = [];
    return bestRow;
  }

  /** Rows currently held in memory, across all symbols (at most about one page). */
  get held(): number {
    return this.#cursors.reduce((n, c) => n + c.rows.length - c.index, 0);
  }

  async #fill(cursor: Cursor): Promise<void> {
    cursor.rows = [];
    cursor.index = 0;
    if (cursor.last) return;
    const { symbol, from } = cursor;
    const page = await this.fetches.run(() =>
      this.api.query("stream replay", (s) => s.rows({ symbol, from, to: END_OF_TIME_MS }, this.#perSymbol)),
    );
    const lastRow = page.at(-1);
    cursor.last = page.length < this.#perSymbol || !lastRow;
    if (lastRow) cursor.from = lastRow.openTime + 1;
    cursor.rows = page;
  }
}
