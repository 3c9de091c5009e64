/**
 * Resolves on the first SIGINT or SIGTERM: long-running commands shut down gracefully on either.
 *
 * The handlers stay installed: a second signal (an impatient second Ctrl-C) must not fall through to
 * the default action, which kills the process mid-shutdown with exit 130, possibly between writes.
 * It runs `onSecond` instead (e.g. close the store, then exit), or exits 130 at once without one.
 */
export function untilSignal(onSecond?: (signal: NodeJS.Signals) => unknown): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first: NodeJS.Signals | undefined;
    const handle = (signal: NodeJS.Signals) => {
      if (first === undefined) {
        first = signal;
        resolve(signal);
        return;
      }
      process.off("SIGINT", handle);
      process.off("SIGTERM", handle);
      if (onSecond) void onSecond(signal);
      else process.exit(130);
    };
    process.on("SIGINT", handle);
    process.on("SIGTERM", handle);
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
