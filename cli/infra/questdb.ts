/** A real QuestDB server (HTTP + ILP on one port, PG wire on another), from Maven Central. */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type JavaService, mavenFetch } from "./java-service.ts";

export interface QuestDbOptions {
  home: string;
  version: string;
  httpPort: number;
  pgPort: number;
  ilpTcpPort: number;
  javaHome: string | undefined;
}

const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>shamdan.infra</groupId><artifactId>questdb-runtime</artifactId><version>1</version><packaging>pom</packaging>
</project>
`;

export function questDbService(o: QuestDbOptions): JavaService {
  const home = resolve(o.home);
  const downloads = join(home, "downloads");
  const jar = join(downloads, `questdb-${o.version}.jar`);
  const dir = join(home, "questdb");
  const root = join(dir, "root");
  return {
    name: "questdb",
    dir,
    ports: [o.httpPort, o.pgPort],
    async prepare() {
      if (!existsSync(jar)) {
        process.stderr.write(`downloading QuestDB ${o.version} from Maven Central (once)...\n`);
        mavenFetch(pom, join(downloads, "questdb-pom"), [
          "dependency:copy",
          `-Dartifact=org.questdb:questdb:${o.version}`,
          `-DoutputDirectory=${downloads}`,
        ]);
      }
      mkdirSync(root, { recursive: true });
    },
    // QuestDB is a Java module; 9.3.x runs on Java 17 (9.4+ needs Java 25).
    javaArgs: () => [
      "-Xms256m",
      "-Xmx1g",
      "-XX:+UseParallelGC",
      "-p",
      jar,
      "-m",
      "io.questdb/io.questdb.ServerMain",
      "-d",
      root,
    ],
    // Loopback only, no telemetry; every server.conf key can be set as QDB_<KEY>.
    env: () => ({
      QDB_HTTP_BIND_TO: `127.0.0.1:${o.httpPort}`,
      QDB_HTTP_MIN_ENABLED: "false",
      QDB_PG_NET_BIND_TO: `127.0.0.1:${o.pgPort}`,
      QDB_LINE_TCP_NET_BIND_TO: `127.0.0.1:${o.ilpTcpPort}`,
      QDB_LINE_UDP_ENABLED: "false",
      QDB_TELEMETRY_ENABLED: "false",
      QDB_METRICS_ENABLED: "true",
    }),
    async ready() {
      try {
        const response = await fetch(
          `http://127.0.0.1:${o.httpPort}/exec?query=${encodeURIComponent("select 1")}`,
        );
        return response.ok;
      } catch {
        return false;
      }
    },
  };
}
