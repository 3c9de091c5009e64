/** Resolves on the first SIGINT or SIGTERM: long-running commands shut down gracefully on either. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve(signal);
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

/**
 * Awaits a service's start unless a stop signal arrives first. Starting may wait a long time for
 * Kafka or the store (the bus and the sink retry until they answer); a signal meanwhile calls
 * `abort` (close the bus, abort the store wait), which ends that wait, and the command exits cleanly.
 * Returns undefined when stopped before the start finished; a start that still completes after the
 * signal is stopped with `stopLate`.
 */
export async function startUnlessStopped<T>(
  starting: Promise<T>,
  signal: Promise<NodeJS.Signals>,
  abort: () => unknown,
  stopLate: (started: T) => Promise<unknown>,
): Promise<T | undefined> {
  const first = await Promise.race([starting.then((started) => ({ started })), signal.then(() => undefined)]);
  if (first) return first.started;
  await abort();
  const late = await starting.catch(() => undefined);
  if (late !== undefined) await stopLate(late).catch(() => {});
  return undefined;
}
