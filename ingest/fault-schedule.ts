/**
 * Which faults the fake Nobitex serves on each request. Faults are drawn at their rates from a seeded
 * PRNG, and on top of that every enabled kind is guaranteed: each gets its own seeded slot among the
 * first `guaranteeWithin` requests, and from its slot on it is due. A due kind is served alone on the
 * next request (no other fault masking it) until the server reports it reached the client
 * (`served`): a request answered 429 because of an earlier backOff, one with no data to corrupt, or a
 * fault hidden behind a slow answer the client already gave up on does not count. So a run always
 * exercises every enabled fault early, and the schedule is the same for the same seed and request
 * order. (Pure rate draws alone left a kind uninjected in rare runs of the ingest integration test.)
 */
import { drawFaults, type FaultKind, type FaultRates, seededRandom } from "./fake-faults.ts";

const RATE_OF: Record<FaultKind, keyof FaultRates> = {
  rate429: "rate429",
  upstream5xx: "rate5xx",
  slow: "slowRate",
  malformed: "malformedRate",
  invalidCandle: "invalidCandleRate",
};

export class FaultSchedule {
  private readonly random: () => number;
  /** Enabled kinds not served yet -> the request index from which each is due. */
  private readonly due = new Map<FaultKind, number>();
  private request = 0;

  constructor(
    private readonly rates: FaultRates,
    seed: number,
  ) {
    this.random = seededRandom(seed);
    const enabled = (Object.keys(RATE_OF) as FaultKind[]).filter((k) => (rates[RATE_OF[k]] ?? 0) > 0);
    const within = Math.max(rates.guaranteeWithin ?? 20, enabled.length);
    // Distinct slots: a partial Fisher-Yates shuffle of 0..within-1 on its own PRNG, so the rate draws
    // are the same sequence with or without the guarantee.
    const place = seededRandom(seed ^ 0x5bd1e995);
    const slots = Array.from({ length: within }, (_, i) => i);
    enabled.forEach((kind, i) => {
      const j = i + Math.floor(place() * (within - i));
      [slots[i], slots[j]] = [slots[j] as number, slots[i] as number];
      this.due.set(kind, slots[i] as number);
    });
  }

  /** The faults of the next request. */
  next(): Set<FaultKind> {
    const n = this.request++;
    // Drawn every time, forced or not, so the draws of later requests do not shift.
    const drawn = drawFaults(this.rates, this.random);
    let forced: FaultKind | undefined;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [kind, slot] of this.due) if (slot <= n && slot < earliest) [forced, earliest] = [kind, slot];
    return forced ? new Set([forced]) : drawn;
  }

  /** The server answered with `kind` and the client saw it: the guarantee for that kind is met. */
  served(kind: FaultKind): void {
    this.due.delete(kind);
  }

  /** Enabled kinds not served yet. */
  owed(): FaultKind[] {
    return [...this.due.keys()];
  }
}
