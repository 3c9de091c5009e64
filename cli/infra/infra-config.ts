/**
 * Settings of the local development infrastructure (`bun run shamdan infra`, `test:ci`, chaos):
 * where its data and downloads live, its ports and versions. No service reads them, so they are
 * not part of the service configuration; parsed by the same rules (empty counts as unset, every
 * problem reported at once as a ConfigError, which the CLI turns into exit code 2).
 */
import { type Env, envField, parseEnv } from "@shamdan/shared/core/config";
import * as v from "valibot";

const { int, str, optionalStr } = envField;

export const InfraConfigSchema = v.object({
  SHAMDAN_HOME: str(".shamdan"),
  INFRA_KAFKA_PORT: int(9092, 1, 65_535),
  INFRA_KAFKA_CONTROLLER_PORT: int(9093, 1, 65_535),
  INFRA_QUESTDB_HTTP_PORT: int(9000, 1, 65_535),
  INFRA_QUESTDB_PG_PORT: int(8812, 1, 65_535),
  INFRA_QUESTDB_ILP_TCP_PORT: int(9009, 1, 65_535),
  INFRA_CENTRIFUGO_PORT: int(8000, 1, 65_535),
  INFRA_CENTRIFUGO_API_KEY: str("shamdan-local-api-key"),
  KAFKA_VERSION: v.pipe(str("4.1.1"), v.regex(/^4\.\d+\.\d+$/, "must be a 4.x.y Kafka version")),
  QUESTDB_VERSION: v.pipe(str("9.3.4"), v.regex(/^\d+\.\d+\.\d+$/, "must be x.y.z")),
  JAVA_HOME: optionalStr(),
});

export type InfraConfig = Readonly<v.InferOutput<typeof InfraConfigSchema>>;

/** Parses an environment (default: `process.env`); `overrides` win. Throws ConfigError listing every problem. */
export function loadInfraConfig(env: Env = process.env, overrides: Env = {}): InfraConfig {
  return parseEnv(InfraConfigSchema, env, overrides);
}
