import type { Subscription } from "./bus.ts";
import { describeError } from "./errors.ts";
import type { Logger } from "./log.ts";

/** Where samples go: a Prometheus gauge, or anything with its `set`. */
export interface LagGauge {
  set(lag: number): void;
}

/**
 * Samples a subscription's consumer lag into `gauge` every `intervalMs` until the returned function is
 * called. A failed sample (the broker away for a moment) is logged at debug and skipped: the gauge
 * keeps its last value. The timer does not keep the process alive.
 */
export function sampleLag(
  subscription: Pick<Subscription, "lag">,
  gauge: LagGauge,
  logger: Logger,
  intervalMs = 5000,
): () => void {
  const timer = setInterval(() => {
    subscription.lag().then(
      (lag) => gauge.set(lag),
      (error) => logger.debug("lag sample failed", { error: describeError(error) }),
    );
  }, intervalMs);
  timer.unref?.();
  return () => clearInterval(timer);
}

export interface WatchedConsumer {
  /** True once stop() was called. */
  stopping(): boolean;
  /** Stops the samples, then the subscription (after its in-flight batch); once, then logs `stoppedMessage`. */
  stop(): Promise<void>;
}

/** A service's subscription with its lag sampled, and the one way to stop it (processor and sink). */
export function watchConsumer(
  subscription: Subscription,
  options: { gauge: LagGauge; logger: Logger; intervalMs?: number | undefined; stoppedMessage: string },
): WatchedConsumer {
  const stopSamples = sampleLag(subscription, options.gauge, options.logger, options.intervalMs);
  let stopping = false;
  return {
    stopping: () => stopping,
    async stop() {
      if (stopping) return;
      stopping = true;
      stopSamples();
      await subscription.stop();
      options.logger.info(options.stoppedMessage);
    },
  };
}
