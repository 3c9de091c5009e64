/** A real Apache Kafka broker in KRaft mode (broker + controller in one JVM), from Maven Central. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type JavaService, javaBinary, mavenFetch } from "./java-service.ts";

export interface KafkaOptions {
  home: string;
  version: string;
  port: number;
  controllerPort: number;
  javaHome: string | undefined;
}

const dependency = (g: string, a: string, v: string) =>
  `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;

// kafka_2.13 brings the broker; log4j2 + slf4j 2 give it a logger (the jar declares none at runtime).
const pom = (
  version: string,
) => `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>shamdan.infra</groupId><artifactId>kafka-runtime</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>
${dependency("org.apache.kafka", "kafka_2.13", version)}
${dependency("org.slf4j", "slf4j-api", "2.0.17")}
${dependency("org.apache.logging.log4j", "log4j-slf4j2-impl", "2.24.3")}
${dependency("org.apache.logging.log4j", "log4j-core", "2.24.3")}
</dependencies></project>
`;

const log4j = `Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        Pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.server.KafkaRaftServer
        level: INFO
`;

// A fixed cluster id keeps re-formatting deterministic; the data dir is ours alone.
const CLUSTER_ID = "c2hhbWRhbi1sb2NhbC0x";

// Long on purpose: the broker's command line and files, written out as Kafka expects them.
export function kafkaService(o: KafkaOptions): JavaService {
  const home = resolve(o.home);
  const libs = join(home, "downloads", `kafka-${o.version}`, "libs");
  const dir = join(home, "kafka");
  const dataDir = join(dir, "data");
  const properties = join(dir, "server.properties");
  const classpath = `${libs}/*`;
  return {
    name: "kafka",
    dir,
    ports: [o.port],
    async prepare() {
      if (!existsSync(libs) || readdirSync(libs).length === 0) {
        process.stderr.write(`downloading Kafka ${o.version} from Maven Central (once)...\n`);
        mavenFetch(pom(o.version), join(home, "downloads", `kafka-${o.version}`), [
          "dependency:copy-dependencies",
          `-DoutputDirectory=${libs}`,
        ]);
      }
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dir, "log4j2.yaml"), log4j);
      writeFileSync(
        properties,
        [
          "process.roles=broker,controller",
          "node.id=1",
          `controller.quorum.voters=1@127.0.0.1:${o.controllerPort}`,
          `listeners=PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}`,
          `advertised.listeners=PLAINTEXT://127.0.0.1:${o.port}`,
          "controller.listener.names=CONTROLLER",
          "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
          "inter.broker.listener.name=PLAINTEXT",
          `log.dirs=${dataDir}`,
          "num.partitions=1",
          "offsets.topic.replication.factor=1",
          "offsets.topic.num.partitions=10",
          "transaction.state.log.replication.factor=1",
          "transaction.state.log.min.isr=1",
          "group.initial.rebalance.delay.ms=0",
          // Topics are created explicitly by the services, with their partitions and compaction.
          "auto.create.topics.enable=false",
          "",
        ].join("\n"),
      );
      if (!existsSync(join(dataDir, "meta.properties"))) {
        const format = spawnSync(
          javaBinary(o.javaHome),
          [
            "-cp",
            classpath,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            CLUSTER_ID,
            "-c",
            properties,
            "--ignore-formatted",
          ],
          { encoding: "utf8" },
        );
        if (format.status !== 0)
          throw new Error(`kafka storage format failed:\n${format.stderr || format.stdout}`);
      }
    },
    javaArgs: () => [
      "-Xms256m",
      "-Xmx768m",
      "-XX:+UseG1GC",
      `-Dlog4j2.configurationFile=${join(dir, "log4j2.yaml")}`,
      "-cp",
      classpath,
      "kafka.Kafka",
      properties,
    ],
  };
}
