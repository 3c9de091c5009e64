/**
 * The partitions whose batch keeps failing: consecutive failed attempts per partition, logged once per
 * new error (a batch re-delivered every few seconds with the same error would repeat the same warning),
 * and "stuck" (the processor is not ready) after too many attempts or too long.
 */
import { describeError } from "@shamdan/shared/core/errors";
import type { Logger } from "@shamdan/shared/core/log";

/** A partition whose batch failed and is being re-delivered. */
export interface FailingPartition {
  topic: string;
  partition: number;
  attempts: number;
  /** Since the first failed attempt started. */
  failingForMs: number;
  lastError: string;
  stuck: boolean;
}

interface Failure {
  topic: string;
  partition: number;
  attempts: number;
  since: number;
  lastError: string;
  logged: boolean;
}

export class BatchFailures {
  /** Per partition key: consecutive failed attempts of its batch (cleared on success or reassignment). */
  readonly #failures = new Map<string, Failure>();

  constructor(
    private readonly logger: Logger,
    private readonly stuckAfter: { attempts: number; ms: number },
  ) {}

  #isStuck(f: Failure, now: number): boolean {
    return f.attempts >= this.stuckAfter.attempts || now - f.since >= this.stuckAfter.ms;
  }

  clear(): void {
    this.#failures.clear();
  }

  /** The partition's batch succeeded: forget its failures (and say so if it had been stuck). */
  succeeded(key: string, topic: string, partition: number): void {
    const failed = this.#failures.get(key);
    if (!failed) return;
    this.#failures.delete(key);
    if (failed.logged)
      this.logger.info("partition recovered: its batch succeeded", {
        topic,
        partition,
        failedAttempts: failed.attempts,
      });
  }

  /** The partition's batch, started at `startedAt`, failed with `error`. */
  failed(key: string, topic: string, partition: number, startedAt: number, error: unknown): void {
    const failed = this.#failures.get(key) ?? {
      topic,
      partition,
      attempts: 0,
      since: startedAt,
      lastError: "",
      logged: false,
    };
    const message = describeError(error);
    const news = failed.attempts === 0 || message !== failed.lastError;
    failed.attempts++;
    failed.lastError = message;
    this.#failures.set(key, failed);
    const fields = { topic, partition, attempts: failed.attempts, error: message };
    if (news) this.logger.warn("batch failed, will be re-delivered", fields);
    else this.logger.debug("batch failed again, will be re-delivered", fields);
    if (!failed.logged && this.#isStuck(failed, Date.now())) {
      failed.logged = true;
      this.logger.error(
        "partition stuck: its batch keeps failing; the processor is not ready until it succeeds",
        { topic, partition, attempts: failed.attempts, error: failed.lastError },
      );
    }
  }

  list(): FailingPartition[] {
    const now = Date.now();
    return [...this.#failures.values()].map((f) => ({
      topic: f.topic,
      partition: f.partition,
      attempts: f.attempts,
      failingForMs: now - f.since,
      lastError: f.lastError,
      stuck: this.#isStuck(f, now),
    }));
  }
}
