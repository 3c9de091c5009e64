/**
 * The local infrastructure: a real Kafka and a real QuestDB as background JVM processes, and a real
 * Centrifugo (the server of Nobitex's WebSocket stream) when its binary is built or Go can build it.
 */
import { existsSync } from "node:fs";
import { centrifugoBinaryOf, centrifugoService, ensureCentrifugoBinary } from "./centrifugo.ts";
import type { InfraConfig } from "./infra-config.ts";
import { type JavaService, logFile, serviceState, startService, stopService } from "./java-service.ts";
import { kafkaService } from "./kafka.ts";
import { questDbService } from "./questdb.ts";

export const SERVICE_NAMES = ["kafka", "questdb", "centrifugo"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function infraServices(config: InfraConfig): Record<ServiceName, JavaService> {
  return {
    kafka: kafkaService({
      home: config.SHAMDAN_HOME,
      version: config.KAFKA_VERSION,
      port: config.INFRA_KAFKA_PORT,
      controllerPort: config.INFRA_KAFKA_CONTROLLER_PORT,
      javaHome: config.JAVA_HOME,
    }),
    questdb: questDbService({
      home: config.SHAMDAN_HOME,
      version: config.QUESTDB_VERSION,
      httpPort: config.INFRA_QUESTDB_HTTP_PORT,
      pgPort: config.INFRA_QUESTDB_PG_PORT,
      ilpTcpPort: config.INFRA_QUESTDB_ILP_TCP_PORT,
      javaHome: config.JAVA_HOME,
    }),
    centrifugo: centrifugoService(config),
  };
}

export type Report = (line: string) => void;

/** Starts what is not running (both in parallel); a second call is a no-op. */
export async function infraUp(
  config: InfraConfig,
  names: readonly ServiceName[] = SERVICE_NAMES,
  report: Report = () => {},
) {
  const services = infraServices(config);
  await Promise.all(
    names.map(async (name) => {
      const service = services[name];
      // Without a binary and without Go, Centrifugo is skipped (one line); Kafka and QuestDB still start.
      if (name === "centrifugo" && (await ensureCentrifugoBinary(config, report)) === undefined) return;
      const state = await serviceState(service);
      if (state.state === "foreign") {
        // e.g. `docker compose up kafka questdb`: use it as it is, but never manage it.
        report(`${name}: ${state.note}; using it as is`);
        return;
      }
      const started = Date.now();
      const result = await startService(service, config.JAVA_HOME);
      report(
        result.started
          ? `${name}: started (pid ${result.pid}) in ${((Date.now() - started) / 1000).toFixed(1)}s, log ${logFile(service)}`
          : `${name}: already running (pid ${result.pid}), log ${logFile(service)}`,
      );
    }),
  );
}

export async function infraDown(
  config: InfraConfig,
  names: readonly ServiceName[] = SERVICE_NAMES,
  report: Report = () => {},
  options: { kill?: boolean } = {},
) {
  const services = infraServices(config);
  await Promise.all(
    names.map(async (name) => {
      const stopped = await stopService(services[name], options);
      report(stopped ? `${name}: stopped` : `${name}: not running (nothing of ours to stop)`);
    }),
  );
}

export async function infraStatus(config: InfraConfig) {
  const services = infraServices(config);
  return Promise.all(
    SERVICE_NAMES.map(async (name) => ({
      name,
      ports: services[name].ports,
      log: logFile(services[name]),
      /** Why it cannot run on this machine (then its absence is no failure). */
      missing:
        name === "centrifugo" && !existsSync(centrifugoBinaryOf(config))
          ? "not built (needs Go; `infra up` builds it)"
          : undefined,
      ...(await serviceState(services[name])),
    })),
  );
}
