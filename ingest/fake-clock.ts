/**
 * The fake server's clock, in served time (epoch ms): runs at `speed` times real time, can be paused,
 * moved and re-sped. Tests hand `now` to the poller so both sides share one accelerated time.
 */
export class FakeClock {
  #baseVirtual: number;
  #baseReal: number;
  #speed: number;
  #paused = false;

  constructor(
    startMs: number,
    speed = 1,
    readonly realNow: () => number = () => performance.timeOrigin + performance.now(),
  ) {
    this.#baseVirtual = startMs;
    this.#baseReal = realNow();
    this.#speed = speed;
  }

  readonly now = (): number =>
    this.#paused ? this.#baseVirtual : this.#baseVirtual + (this.realNow() - this.#baseReal) * this.#speed;

  get speed(): number {
    return this.#speed;
  }

  #rebase(): void {
    this.#baseVirtual = this.now();
    this.#baseReal = this.realNow();
  }

  setSpeed(speed: number): void {
    this.#rebase();
    this.#speed = speed;
  }

  advance(ms: number): void {
    this.#rebase();
    this.#baseVirtual += ms;
  }

  set(ms: number): void {
    this.#rebase();
    this.#baseVirtual = ms;
  }

  pause(): void {
    this.#rebase();
    this.#paused = true;
  }

  resume(): void {
    this.#baseReal = this.realNow();
    this.#paused = false;
  }
}
