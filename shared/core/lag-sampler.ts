import type { Subscription } from "./bus.ts";
import { describeError } from "./errors.ts";
import type { Logger } from "./log.ts";

/**
 * Samples a subscription's consumer lag into `record` (a gauge) every `intervalMs` until the returned
 * function is called. A failed sample (the broker away for a moment) is logged at debug and skipped:
 * the gauge keeps its last value. The timer does not keep the process alive.
 */
export function sampleLag(
  subscription: Pick<Subscription, "lag">,
  record: (lag: number) => void,
  logger: Logger,
  intervalMs = 5000,
): () => void {
  const timer = setInterval(() => {
    subscription
      .lag()
      .then(record, (error) => logger.debug("lag sample failed", { error: describeError(error) }));
  }, intervalMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
