/**
 * The local Centrifugo (ingest/centrifugo-server.ts: the open-source server Nobitex's stream runs on,
 * configured like Nobitex's): its binary is built once with Go under SHAMDAN_HOME/tools, then it runs like
 * Kafka and QuestDB, as a background process with a pid file and a log under SHAMDAN_HOME/centrifugo.
 * Without Go and without a binary it is skipped with one line; the rest of `infra up` goes on.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type CentrifugoServer,
  centrifugoBinary,
  centrifugoConfig,
  centrifugoHealthy,
  ensureCentrifugo,
  startCentrifugo,
} from "@shamdan/ingest/centrifugo-server";
import { freeLoopbackPort } from "@shamdan/shared/core/port-answers";
import type { InfraConfig } from "./infra-config.ts";
import type { JavaService } from "./java-service.ts";

type CentrifugoInfraConfig = Pick<
  InfraConfig,
  "SHAMDAN_HOME" | "INFRA_CENTRIFUGO_PORT" | "INFRA_CENTRIFUGO_API_KEY"
>;

export const centrifugoBinaryOf = (config: Pick<InfraConfig, "SHAMDAN_HOME">) =>
  centrifugoBinary(resolve(config.SHAMDAN_HOME));

export function centrifugoService(config: CentrifugoInfraConfig): JavaService {
  const binary = centrifugoBinaryOf(config);
  const dir = join(resolve(config.SHAMDAN_HOME), "centrifugo");
  const configPath = join(dir, "centrifugo.json");
  const port = config.INFRA_CENTRIFUGO_PORT;
  return {
    name: "centrifugo",
    dir,
    ports: [port],
    async prepare() {
      if (!existsSync(binary)) throw new Error(`centrifugo: no binary at ${binary}`);
      writeFileSync(configPath, centrifugoConfig({ port, apiKey: config.INFRA_CENTRIFUGO_API_KEY }));
    },
    command: () => [binary, "--config", configPath],
    ready: () => centrifugoHealthy(port),
  };
}

/** The binary, built if Go is there; undefined (after one line saying why) when it cannot be had. */
export async function ensureCentrifugoBinary(
  config: Pick<InfraConfig, "SHAMDAN_HOME">,
  report: (line: string) => void,
): Promise<string | undefined> {
  const binary = centrifugoBinaryOf(config);
  if (existsSync(binary)) return binary;
  if (Bun.which("go") === null) {
    report(
      "centrifugo: not built and not started (building it needs Go on PATH: https://go.dev/dl/); the WebSocket stream tests build it when Go is there",
    );
    return undefined;
  }
  const started = Date.now();
  const built = await ensureCentrifugo({
    home: resolve(config.SHAMDAN_HOME),
    log: (line) => report(`centrifugo: ${line}`),
  });
  report(`centrifugo: built ${built} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return built;
}

/**
 * A Centrifugo that is a child of this process (`bun start --demo`, `nobitex-fake --start-centrifugo`):
 * on `port` (default a free one) of 127.0.0.1, with a fresh API key, its files in a temporary folder that
 * `close` removes after stopping it.
 */
export async function startChildCentrifugo(
  binary: string,
  port?: number,
): Promise<{ server: CentrifugoServer; apiKey: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "shamdan-centrifugo-"));
  const apiKey = randomUUID();
  try {
    const server = await startCentrifugo({ binary, port: port || (await freeLoopbackPort()), dir, apiKey });
    return {
      server,
      apiKey,
      close: async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
