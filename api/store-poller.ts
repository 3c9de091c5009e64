/**
 * The live stream's fallback when no LiveFeed is wired (or until it is live): every `intervalMs` it asks the store for each
 * symbol's rows from its cursor on. A row is new when its open time is past the cursor, or when it is
 * the cursor's row with different values (the still-forming candle re-delivered and replaced).
 */
import type { IndicatorRow } from "@shamdan/shared/core/messages";
import type { ApiContext } from "./api-context.ts";

const PAGE = 1000;
/** Rows never lie in the future; the upper bound only has to be past any real open time. */
const FAR_FUTURE_MS = 24 * 60 * 60_000;

const fingerprintOf = (row: IndicatorRow) =>
  `${row.close}|${row.high}|${row.low}|${row.volume}|${row.signal}`;

export class StorePoller {
  /** `fingerprint` undefined: the cursor's row was sent but its values are not known here. */
  readonly #cursors = new Map<string, { openTime: number; fingerprint: string | undefined }>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(
    private readonly api: ApiContext,
    private readonly symbols: () => readonly string[],
    private readonly emit: (row: IndicatorRow) => void,
    private readonly intervalMs: number,
    /** When it returns true the poller polls once more and stops (a live feed took over). */
    private readonly handedOver?: () => boolean,
  ) {}

  /** Rows of `symbol` up to `openTime` were already sent (with these values, when `row` is given). */
  seen(symbol: string, openTime: number, row?: IndicatorRow): void {
    const cursor = this.#cursors.get(symbol);
    if (!cursor || cursor.openTime <= openTime)
      this.#cursors.set(symbol, { openTime, fingerprint: row ? fingerprintOf(row) : undefined });
  }

  start(): void {
    const tick = async () => {
      if (this.#stopped) return;
      const last = this.handedOver?.() ?? false;
      try {
        await this.pollOnce();
      } catch (error) {
        this.api.logger.warn("stream poll failed; retrying", { error });
      }
      if (last) this.#stopped = true;
      if (!this.#stopped) this.#timer = setTimeout(tick, this.intervalMs);
    };
    this.#timer = setTimeout(tick, this.intervalMs);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async pollOnce(): Promise<void> {
    for (const symbol of this.symbols()) {
      const cursor = this.#cursors.get(symbol) ?? {
        openTime: Date.now() - 2 * 60_000,
        fingerprint: undefined,
      };
      const rows = await this.api.query("stream poll", (s) =>
        s.rows({ symbol, from: cursor.openTime, to: Date.now() + FAR_FUTURE_MS }, PAGE),
      );
      let next = cursor;
      for (const row of rows) {
        const fingerprint = fingerprintOf(row);
        if (row.openTime === next.openTime && next.fingerprint === undefined) {
          next = { openTime: row.openTime, fingerprint };
          continue;
        }
        const isNew =
          row.openTime > next.openTime ||
          (row.openTime === next.openTime && fingerprint !== next.fingerprint);
        if (!isNew || this.#stopped) continue;
        this.emit(row);
        next = { openTime: row.openTime, fingerprint };
      }
      this.#cursors.set(symbol, next);
    }
  }
}
