/**
 * Whether ingest is doing its work, per symbol and as a whole, from the outcomes of its polls.
 *
 * A symbol is *failing* when its polls fail in a row and it is not a blip: it never polled
 * successfully, or `failingAfterPolls` polls failed in a row, or the failures have lasted
 * `failingAfterMs`. Ingest is not ready while every symbol is failing (one working symbol means
 * Nobitex and the bus are reachable; that symbol's neighbours have their own trouble, logged and
 * counted per symbol).
 *
 * Logging follows changes of state, not polls: offline, every poll fails every 10 s forever, and a
 * warning per poll buried everything else. A symbol's failure is logged when it differs from the
 * previous one (kind or message) and its recovery once; the whole service logs one line when it
 * stops being ready (with what the operator should check) and one when it is ready again.
 */
export interface PollHealthOptions {
  failingAfterPolls?: number;
  failingAfterMs?: number;
}

/** What `/readyz` shows per symbol. */
export interface SymbolHealth {
  status: "ok" | "failing" | "retrying" | "not polled yet";
  failures: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorKind: string | null;
  lastErrorAt: string | null;
}

interface Track {
  failures: number;
  /** When the current run of failures began (epoch ms). */
  failingSince: number | undefined;
  lastSuccessAt: number | undefined;
  lastError: string | undefined;
  lastErrorKind: string | undefined;
  lastErrorAt: number | undefined;
}

/** What changed with one poll's outcome, for the caller to log. */
export interface PollChange {
  /** The failure differs from the symbol's previous one (or follows a success): worth a log line. */
  newFailure: boolean;
  /** The symbol polled successfully after failing: worth one log line. */
  recovered: boolean;
  /** Failures in the run that just ended (when recovered). */
  endedFailures: number;
  /** Every symbol is now failing, and was not before this poll. */
  becameNotReady: boolean;
  /** Some symbol polls again after every symbol was failing. */
  becameReady: boolean;
}

export class PollHealth {
  readonly #tracks = new Map<string, Track>();
  readonly #afterPolls: number;
  readonly #afterMs: number;
  #allFailing = false;

  constructor(symbols: readonly string[], options: PollHealthOptions = {}) {
    this.#afterPolls = options.failingAfterPolls ?? 3;
    this.#afterMs = options.failingAfterMs ?? 60_000;
    for (const symbol of symbols)
      this.#tracks.set(symbol, {
        failures: 0,
        failingSince: undefined,
        lastSuccessAt: undefined,
        lastError: undefined,
        lastErrorKind: undefined,
        lastErrorAt: undefined,
      });
  }

  /** True while every symbol is failing (as of the last recorded outcome). */
  get allFailing(): boolean {
    return this.#allFailing;
  }

  onSuccess(symbol: string, now: number): PollChange {
    const track = this.#track(symbol);
    const endedFailures = track.failures;
    track.failures = 0;
    track.failingSince = undefined;
    track.lastSuccessAt = now;
    return { ...this.#update(now), newFailure: false, recovered: endedFailures > 0, endedFailures };
  }

  onFailure(symbol: string, kind: string, error: string, now: number): PollChange {
    const track = this.#track(symbol);
    const newFailure = track.failures === 0 || track.lastErrorKind !== kind || track.lastError !== error;
    track.failures++;
    track.failingSince ??= now;
    track.lastError = error;
    track.lastErrorKind = kind;
    track.lastErrorAt = now;
    return { ...this.#update(now), newFailure, recovered: false, endedFailures: 0 };
  }

  failing(symbol: string, now: number): boolean {
    const t = this.#track(symbol);
    return (
      t.failures > 0 &&
      (t.lastSuccessAt === undefined ||
        t.failures >= this.#afterPolls ||
        now - (t.failingSince ?? now) >= this.#afterMs)
    );
  }

  /** The last error of each failing symbol (for the not-ready line). */
  errors(now: number): Record<string, { kind: string; error: string }> {
    const out: Record<string, { kind: string; error: string }> = {};
    for (const [symbol, t] of this.#tracks)
      if (this.failing(symbol, now)) out[symbol] = { kind: t.lastErrorKind ?? "", error: t.lastError ?? "" };
    return out;
  }

  symbol(symbol: string, now: number): SymbolHealth {
    const t = this.#track(symbol);
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    const status =
      t.failures === 0
        ? t.lastSuccessAt === undefined
          ? "not polled yet"
          : "ok"
        : this.failing(symbol, now)
          ? "failing"
          : "retrying";
    return {
      status,
      failures: t.failures,
      lastSuccessAt: iso(t.lastSuccessAt),
      lastError: t.lastError ?? null,
      lastErrorKind: t.lastErrorKind ?? null,
      lastErrorAt: iso(t.lastErrorAt),
    };
  }

  #update(now: number): Pick<PollChange, "becameNotReady" | "becameReady"> {
    const before = this.#allFailing;
    this.#allFailing = this.#tracks.size > 0 && [...this.#tracks.keys()].every((s) => this.failing(s, now));
    return { becameNotReady: !before && this.#allFailing, becameReady: before && !this.#allFailing };
  }

  #track(symbol: string): Track {
    const track = this.#tracks.get(symbol);
    if (!track) throw new RangeError(`symbol ${symbol} is not configured`);
    return track;
  }
}
