import { expect, test } from "bun:test";
import { ConfigError, ConfigSchema, loadConfig } from "@shamdan/shared/core/config";
import { InfraConfigSchema, loadInfraConfig } from "./infra-config.ts";

test("defaults: the folder, the ports, versions and keys the infra commands use", () => {
  expect(loadInfraConfig({})).toEqual({
    SHAMDAN_HOME: ".shamdan",
    INFRA_KAFKA_PORT: 9092,
    INFRA_KAFKA_CONTROLLER_PORT: 9093,
    INFRA_QUESTDB_HTTP_PORT: 9000,
    INFRA_QUESTDB_PG_PORT: 8812,
    INFRA_QUESTDB_ILP_TCP_PORT: 9009,
    INFRA_CENTRIFUGO_PORT: 8000,
    INFRA_CENTRIFUGO_API_KEY: "shamdan-local-api-key",
    KAFKA_VERSION: "4.1.1",
    QUESTDB_VERSION: "9.3.4",
    JAVA_HOME: undefined,
  });
});

test("parsed as the service config is: empty is unset, overrides win, every problem at once", () => {
  const config = loadInfraConfig(
    { SHAMDAN_HOME: "", INFRA_KAFKA_PORT: "19092" },
    { INFRA_KAFKA_PORT: "29092" },
  );
  expect([config.SHAMDAN_HOME, config.INFRA_KAFKA_PORT]).toEqual([".shamdan", 29092]);
  let error: unknown;
  try {
    loadInfraConfig({ INFRA_QUESTDB_PG_PORT: "70000", KAFKA_VERSION: "3.9.0", INFRA_KAFKA_PORT: "x" });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const problems = (error as ConfigError).problems.join("\n");
  for (const key of ["INFRA_QUESTDB_PG_PORT", "KAFKA_VERSION", "INFRA_KAFKA_PORT"])
    expect(problems).toContain(key);
});

test("no setting is in both schemas, and the services ignore the infra's", () => {
  const service = Object.keys(ConfigSchema.entries);
  expect(Object.keys(InfraConfigSchema.entries).filter((k) => service.includes(k))).toEqual([]);
  expect(
    Object.keys(loadConfig({ SHAMDAN_HOME: "/elsewhere", INFRA_KAFKA_PORT: "not a port" })),
  ).not.toContain("SHAMDAN_HOME");
});
