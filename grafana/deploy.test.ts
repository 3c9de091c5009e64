/**
 * compose.yaml and the Dockerfile stay in step with the code and hardened: every environment name
 * they give a Shamdan service is a key of shared/core/config.ts's schema, every setting of .env.example a
 * service reads reaches it, Kafka keeps its data on its volume, containers are read-only without
 * capabilities, Grafana has no default admin password. (Kubernetes: k8s.test.ts; schemas, hadolint
 * and the secret scan: .ci/deploy-checks.)
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigSchema } from "@shamdan/shared/core/config";
import { SLACK_DISABLED_URL } from "./notifications.ts";

const root = join(import.meta.dir, "..");
const configNames = new Set(Object.keys(ConfigSchema.entries));
const SERVICES = ["ingest", "processor", "sink", "api", "notify"] as const;
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, whose shape the tests check.
type Doc = Record<string, any>;

const read = (path: string) => readFileSync(join(root, path), "utf8");

/** Settings of .env.example that no container reads, and why. */
const NOT_FOR_CONTAINERS: Record<string, string> = {
  SQLITE_PATH: "STORE=questdb in containers",
  HEALTH_PORT: "set per service",
  API_PORT: "fixed to the container port",
  SLACK_WEBHOOK_URL: "Grafana posts Slack alerts here; `bun start` and `notify` outside compose read it",
  SHAMDAN_HOME: "local infra only",
  INFRA_KAFKA_PORT: "local infra only",
  INFRA_KAFKA_CONTROLLER_PORT: "local infra only",
  INFRA_QUESTDB_HTTP_PORT: "local infra only",
  INFRA_QUESTDB_PG_PORT: "local infra only",
  INFRA_QUESTDB_ILP_TCP_PORT: "local infra only",
  INFRA_CENTRIFUGO_PORT: "local infra only",
  INFRA_CENTRIFUGO_API_KEY: "local infra only", // pragma: allowlist secret
  KAFKA_VERSION: "local infra only (the image tag pins Kafka)",
  QUESTDB_VERSION: "local infra only (the image tag pins QuestDB)",
  JAVA_HOME: "local infra only",
};
/** Read by the notify service alone (bot tokens stay out of the other containers). */
const NOTIFY_ONLY = new Set([
  "TELEGRAM_BOT_TOKEN",
  "TELEGRAM_CHAT_ID",
  "TELEGRAM_API_URL",
  "BALE_BOT_TOKEN",
  "BALE_CHAT_ID",
  "BALE_API_URL",
  "WEBHOOK_URL",
  "NOTIFY_SYMBOLS",
  "NOTIFY_LANG",
  "NOTIFY_GROUP",
  "NOTIFY_CHART_URL",
  "NOTIFY_MAX_DELAY_SECONDS",
  "NOTIFY_TIMEOUT_MS",
  "NOTIFY_MAX_ATTEMPTS",
]);
/** Fixed by compose.yaml: the containers' own addresses and adapters. */
const FIXED = ["BUS", "STORE", "KAFKA_BROKERS", "QUESTDB_ILP_CONF", "QUESTDB_PG_URL"];
/** Passed through with a compose-specific default. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: compose's interpolation syntax, not JS.
const OVERRIDDEN: Record<string, string> = { TOPIC_PARTITIONS: "${TOPIC_PARTITIONS:-2}" };

describe("compose.yaml", () => {
  const compose = Bun.YAML.parse(read("compose.yaml")) as Doc;
  const envExample = read(".env.example")
    .split("\n")
    .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
    .map((line) => line.slice(0, line.indexOf("=")));

  test("runs kafka, questdb, grafana and the five services (notify behind its profile)", () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      "api",
      "grafana",
      "ingest",
      "kafka",
      "notify",
      "processor",
      "questdb",
      "sink",
    ]);
    expect(compose.services.kafka.image).toStartWith("apache/kafka:4.");
    expect(compose.services.questdb.image).toBe("questdb/questdb:9.3.4");
    expect(compose.services.grafana.image).toStartWith("grafana/grafana-oss:");
    expect(compose.services.grafana.volumes).toContain("./grafana/provisioning:/etc/grafana/provisioning:ro");
    // Started only on request: without a channel configured it exits.
    expect(compose.services.notify.profiles).toEqual(["notify"]);
    expect(compose.services.notify.environment.SLACK_WEBHOOK_URL).toBeUndefined();
  });

  test("services: one image, their command, a readiness healthcheck, healthy dependencies", () => {
    for (const name of SERVICES) {
      const s = compose.services[name];
      expect(s.build).toBe(".");
      expect(s.image).toBe("shamdan:local");
      expect(s.command).toEqual([name]);
      expect(s.healthcheck?.test?.join(" ")).toContain("/readyz");
      for (const [dep, cond] of Object.entries(s.depends_on as Record<string, { condition: string }>)) {
        expect(cond.condition).toBe("service_healthy");
        expect(compose.services[dep]?.healthcheck).toBeDefined();
      }
    }
    expect(compose.services.processor.deploy.replicas).toBe(2);
  });

  test("service environment uses only names of the config schema", () => {
    for (const name of SERVICES) {
      const unknown = Object.keys(compose.services[name].environment).filter((k) => !configNames.has(k));
      expect({ service: name, unknown }).toEqual({ service: name, unknown: [] });
    }
  });

  test("every setting of .env.example a service reads reaches every service, unset meaning the default", () => {
    for (const name of SERVICES) {
      const env = compose.services[name].environment as Record<string, string>;
      for (const key of envExample) {
        if (key in NOT_FOR_CONTAINERS || FIXED.includes(key)) continue;
        if (NOTIFY_ONLY.has(key) && name !== "notify") {
          expect({ service: name, key, value: env[key] }).toEqual({ service: name, key, value: undefined });
          continue;
        }
        // `${KEY:-}`: the operator's value, or empty, which shared/core/config.ts reads as its default.
        expect({ service: name, key, value: env[key] }).toEqual({
          service: name,
          key,
          value: OVERRIDDEN[key] ?? `\${${key}:-}`,
        });
      }
      for (const key of FIXED) expect(env[key]).toBeDefined();
    }
    for (const key of [...Object.keys(NOT_FOR_CONTAINERS), ...NOTIFY_ONLY]) expect(envExample).toContain(key);
  });

  test("Kafka's data is on its volume (KAFKA_LOG_DIRS is the kafka-data mount)", () => {
    const kafka = compose.services.kafka;
    const mount = (kafka.volumes as string[]).find((v) => v.startsWith("kafka-data:"));
    expect(mount).toBeDefined();
    expect(kafka.environment.KAFKA_LOG_DIRS).toBe(mount?.split(":")[1]);
    expect(compose.volumes).toHaveProperty("kafka-data");
  });

  test("hardening: no capabilities, no-new-privileges, memory limits; read-only roots except Kafka", () => {
    for (const [name, s] of Object.entries(compose.services as Record<string, Doc>)) {
      expect({ name, cap_drop: s.cap_drop }).toEqual({ name, cap_drop: ["ALL"] });
      expect({ name, opt: s.security_opt }).toEqual({ name, opt: ["no-new-privileges:true"] });
      expect({ name, memory: typeof s.deploy?.resources?.limits?.memory }).toEqual({
        name,
        memory: "string",
      });
      // Kafka's start script rewrites files under /etc/kafka at every start (see compose.yaml).
      expect({ name, read_only: s.read_only === true }).toEqual({ name, read_only: name !== "kafka" });
    }
    // Only QuestDB's entrypoint gets the capabilities it needs to hand its data to its own user.
    expect(compose.services.questdb.cap_add.sort()).toEqual([
      "CHOWN",
      "DAC_OVERRIDE",
      "FOWNER",
      "SETGID",
      "SETUID",
    ]);
    for (const name of SERVICES) expect(compose.services[name].cap_add).toBeUndefined();
  });

  test("Grafana: admin password required and documented, read-only QuestDB user, Slack optional", () => {
    const env = compose.services.grafana.environment as Record<string, string>;
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toStartWith("${GRAFANA_ADMIN_PASSWORD:?");
    expect(read(".env.example")).toContain("# GRAFANA_ADMIN_PASSWORD=");
    expect(read("README.md")).toContain("GRAFANA_ADMIN_PASSWORD");
    expect(env.QUESTDB_READONLY_USER).toBe(compose.services.questdb.environment.QDB_PG_READONLY_USER);
    expect(env.QUESTDB_READONLY_PASSWORD).toBe(compose.services.questdb.environment.QDB_PG_READONLY_PASSWORD);
    expect(compose.services.questdb.environment.QDB_PG_READONLY_USER_ENABLED).toBe("true");
    // Without a webhook Grafana gets a harmless URL, never an empty one (which it refuses).
    expect(env.SLACK_WEBHOOK_URL).toBe(`\${SLACK_WEBHOOK_URL:-${SLACK_DISABLED_URL}}`);
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const pkg = JSON.parse(read("package.json")) as {
    engines: { bun: string };
    workspaces: string[];
    patchedDependencies: Record<string, string>;
  };

  test("bun base image pinned to the project's Bun, production install from the lockfile", () => {
    expect(dockerfile).toContain(`FROM oven/bun:${pkg.engines.bun}`);
    expect(dockerfile).toContain("bun install --frozen-lockfile --production");
    expect(dockerfile).toContain('ENTRYPOINT ["bun", "cli/main.ts"]');
  });

  test("copies every workspace's manifest, and the dependency patches, before installing", () => {
    const install = dockerfile.indexOf("RUN bun install");
    for (const w of pkg.workspaces) {
      const copy = dockerfile.indexOf(`COPY ${w}/package.json ${w}/`);
      expect(copy, w).toBeGreaterThan(-1);
      expect(copy, w).toBeLessThan(install);
    }
    const patches = dockerfile.indexOf("COPY patches patches");
    expect(patches).toBeGreaterThan(-1);
    expect(patches).toBeLessThan(install);
    for (const path of Object.values(pkg.patchedDependencies))
      expect(path.startsWith("patches/"), path).toBe(true);
  });

  test("runs as a numeric non-root user, so Kubernetes can verify runAsNonRoot", () => {
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toMatch(/^[1-9]\d*:[1-9]\d*$/);
  });
});
