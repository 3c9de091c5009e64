/**
 * What every long-running command does around its service, in one place: config, logger, Prometheus
 * registry (with process metrics), optionally the health server, the bus and store from config, the
 * stop signal, and an ordered stop. A command only says how to start its service.
 *
 * Start-up may wait a long time for Kafka or the store; a SIGINT/SIGTERM meanwhile aborts it (the
 * context's `abortSignal` fires and the bus closes, which ends a wait for Kafka) and the command exits
 * 0. After a start, a signal stops the service, then everything registered with `onStop` (last
 * registered first), then the store, the bus and the health server.
 */
import { createBus } from "@shamdan/shared/adapters/create-bus";
import { createStore } from "@shamdan/shared/adapters/create-store";
import type { Bus } from "@shamdan/shared/core/bus";
import { type Config, loadConfig } from "@shamdan/shared/core/config";
import { describeError, ShamdanError } from "@shamdan/shared/core/errors";
import { type HealthServer, startHealthServer } from "@shamdan/shared/core/health-server";
import { createLogger, type Logger } from "@shamdan/shared/core/log";
import type { Store } from "@shamdan/shared/core/store";
import { collectDefaultMetrics, Registry } from "prom-client";
import { ExitCode } from "./command.ts";
import { startUnlessStopped, untilSignal } from "./until-signal.ts";

/** System error codes that mean the setup is wrong, not that something failed along the way. */
const SETUP_ERRORS = new Set(["EADDRINUSE", "EACCES", "ENOENT", "EADDRNOTAVAIL"]);

export interface ServiceContext {
  config: Config;
  logger: Logger;
  registry: Registry;
  /** Aborted by a stop signal: while starting (ends waits) or at shutdown. */
  abortSignal: AbortSignal;
  /** The bus from config (one per service), closed at the end; closing it ends a start waiting for Kafka. */
  bus(): Bus;
  /** The store from config (one per service), closed at the end. */
  store(): Store;
  /** Runs at shutdown after the service's own stop, last registered first; a failure is logged. */
  onStop(stop: () => unknown): void;
}

export interface Stoppable {
  stop(): Promise<unknown>;
}

export interface ServiceSpec<S extends Stoppable> {
  /** The logger's `service` field. */
  name: string;
  /** Default: loaded from the environment. */
  config?: Config;
  /** Prefix of the process metrics (default none). */
  metricsPrefix?: string;
  /** A health server on HEALTH_PORT (or `defaultPort`), up before the start so probes answer meanwhile. */
  health?: {
    defaultPort: number;
    ready(service: NoInfer<S> | undefined): boolean;
    detail?(service: NoInfer<S> | undefined): unknown;
  };
  start(context: ServiceContext): Promise<S>;
  /** Once started, before waiting for the signal (e.g. a line saying where it runs). */
  started?(service: S, context: ServiceContext): void;
}

/**
 * Runs a service until SIGINT/SIGTERM; returns the exit code. An error no retry can fix (a dependency
 * rejecting the configuration) is rethrown for main.ts to print; any other failure is logged and exits 1.
 */
// One function on purpose: start-up and the ordered stop share one try/finally, so whatever started
// is stopped, in reverse order, on every path (signal, failure, a second signal).
export async function runService<S extends Stoppable>(spec: ServiceSpec<S>): Promise<number> {
  const config = spec.config ?? loadConfig();
  const logger = createLogger(config.LOG_LEVEL, { service: spec.name });
  // A second signal cuts the graceful stop short, but never mid-write: the store is closed first
  // (its last write finished or not started, nothing half-written), then the process exits.
  const signal = untilSignal((second) => {
    logger.warn("second signal: closing the store and exiting without waiting for the rest", {
      signal: second,
    });
    void Promise.resolve(store?.close())
      .catch((error) => logger.error("closing the store failed", { error: describeError(error) }))
      .finally(() => process.exit(130));
  });
  const registry = new Registry();
  collectDefaultMetrics({
    register: registry,
    ...(spec.metricsPrefix ? { prefix: spec.metricsPrefix } : {}),
  });
  const abort = new AbortController();
  const stops: (() => unknown)[] = [];
  let bus: Bus | undefined;
  let store: Store | undefined;
  let service: S | undefined;
  const context: ServiceContext = {
    config,
    logger,
    registry,
    abortSignal: abort.signal,
    bus: () => {
      bus ??= createBus(config, logger);
      return bus;
    },
    store: () => {
      store ??= createStore(config, logger);
      return store;
    },
    onStop: (stop) => stops.push(stop),
  };
  const healthServer = spec.health && startHealth(spec.health, context, () => service);
  try {
    service = await startUnlessStopped(
      spec.start(context),
      signal,
      async () => {
        abort.abort();
        await bus?.close();
      },
      (late) => late.stop(),
    );
    if (!service) {
      logger.info("stopped while starting", { signal: await signal });
      return ExitCode.ok;
    }
    spec.started?.(service, context);
    logger.info("shutting down", {
      signal: await signal,
      waitingFor: "polls and writes in flight to finish, then each part to stop; open streams end now",
      again: "a second Ctrl-C closes the store and exits at once",
    });
    abort.abort();
    await service.stop();
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof ShamdanError && !error.canRetry) throw error;
    // The machine refuses what the settings ask for (a busy port, a missing folder): main.ts prints
    // one plain line saying so; retrying would not help.
    if (SETUP_ERRORS.has(String((error as { code?: unknown })?.code))) throw error;
    logger.error(`${spec.name} failed`, { error: describeError(error) });
    return ExitCode.failure;
  } finally {
    abort.abort();
    for (const stop of stops.reverse()) {
      await Promise.resolve()
        .then(stop)
        .catch((error) => logger.warn("stop failed", { error: describeError(error) }));
    }
    await bus?.close();
    await store?.close();
    await healthServer?.stop();
  }
}

function startHealth<S extends Stoppable>(
  health: NonNullable<ServiceSpec<S>["health"]>,
  { config, registry, logger }: ServiceContext,
  service: () => S | undefined,
): HealthServer {
  const server = startHealthServer({
    port: config.HEALTH_PORT ?? health.defaultPort,
    registry,
    ready: () => health.ready(service()),
    ...(health.detail ? { detail: () => health.detail?.(service()) } : {}),
  });
  logger.info("health server listening", { url: server.url });
  return server;
}
