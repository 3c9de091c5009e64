/**
 * Whether Kafka answers the bus, as its operations see it, logged once per change: the first
 * operation that has to wait logs "waiting for Kafka: <what>", the last one to get through logs
 * "Kafka reachable again". Attempts in between log at debug only, so a broker that takes a minute to
 * come up costs two lines, not one per retry (or one per kafkajs reconnect, see `quiet`).
 */
import { describeError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";

export class KafkaAvailability {
  /** Operations currently waiting (an operation is any object its caller keeps for its duration). */
  readonly #waiting = new Map<object, string>();
  #since: number | undefined;
  #reached = false;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while some operation waits for Kafka. */
  get waiting(): boolean {
    return this.#waiting.size > 0;
  }

  /**
   * True while waiting, or before Kafka ever answered: kafkajs then logs an error per reconnect
   * attempt, which says nothing the "waiting for Kafka" line does not (they go to debug).
   */
  get quiet(): boolean {
    return this.waiting || !this.#reached;
  }

  /** `op` failed, or is slow, for a reason worth waiting out. */
  failed(op: object, what: string, error: unknown): void {
    const known = this.#waiting.has(op);
    this.#waiting.set(op, what);
    if (known || this.#since !== undefined) {
      this.logger.debug("still waiting for Kafka", { while: what, error: describeError(error) });
      return;
    }
    this.#since = this.now();
    this.logger.warn(`waiting for Kafka: ${what}`, { error: describeError(error) });
  }

  /** `op` got through. */
  reached(op: object): void {
    this.#reached = true;
    if (this.#waiting.delete(op)) this.#settle();
  }

  /** `op` stopped waiting without getting through (the bus closed, or the error is not worth waiting for). */
  abandoned(op: object): void {
    if (this.#waiting.delete(op)) this.#settle(false);
  }

  #settle(reached = true): void {
    if (this.#waiting.size > 0 || this.#since === undefined) return;
    const waitedMs = this.now() - this.#since;
    this.#since = undefined;
    if (reached) this.logger.info("Kafka reachable again", { waitedMs });
  }
}
