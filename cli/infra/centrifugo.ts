/**
 * The local Centrifugo (ingest/centrifugo-server.ts: the open-source server Nobitex's stream runs on,
 * configured like Nobitex's): its binary is built once with Go under SHAMDAN_HOME/tools, then it runs like
 * Kafka and QuestDB, as a background process with a pid file and a log under SHAMDAN_HOME/centrifugo.
 * Without Go and without a binary it is skipped with one line; the rest of `infra up` goes on.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
import { isAlive, type JavaService } from "./java-service.ts";

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

/** Temporary folders of child Centrifugos: `<tmpdir>/shamdan-centrifugo-<random>`. */
const CHILD_DIR_PREFIX = "shamdan-centrifugo-";
/** In a child's folder: the pid of the process that owns it. */
const OWNER_FILE = "owner.pid";

/**
 * A Centrifugo that is a child of this process (`bun start --demo`, `nobitex-fake --start-centrifugo`):
 * on `port` (default a free one) of 127.0.0.1, with a fresh API key, its files in a temporary folder that
 * `close` removes after stopping it. The child is also stopped when this process exits; only a `kill -9`
 * of this process leaves it running, and the next child started on this machine stops such orphans
 * first (`reapOrphanedCentrifugos`).
 */
export async function startChildCentrifugo(
  binary: string,
  port?: number,
): Promise<{ server: CentrifugoServer; apiKey: string; close(): Promise<void> }> {
  reapOrphanedCentrifugos();
  const dir = mkdtempSync(join(tmpdir(), CHILD_DIR_PREFIX));
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
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

/**
 * Stops child Centrifugos whose owner is gone (killed with `kill -9`, so it could not stop them) and
 * removes their folders. A process counts as such a child only if its command line names the
 * folder's configuration file, so a recycled pid is never killed. Reads /proc: on systems without it
 * nothing is stopped. Returns the pids it stopped.
 */
export function reapOrphanedCentrifugos(root = tmpdir()): number[] {
  const stopped: number[] = [];
  for (const name of readdirSync(root)) {
    if (!name.startsWith(CHILD_DIR_PREFIX)) continue;
    const dir = join(root, name);
    const owner = Number(readTextOr(join(dir, OWNER_FILE), ""));
    if (!Number.isSafeInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    const configPath = join(dir, "centrifugo.json");
    for (const pid of processesNaming(configPath)) {
      try {
        process.kill(pid, "SIGKILL");
        stopped.push(pid);
      } catch {
        // Gone meanwhile.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return stopped;
}

function readTextOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

/** Pids of the processes whose command line contains `text` (Linux /proc; empty elsewhere). */
function processesNaming(text: string): number[] {
  if (!existsSync("/proc")) return [];
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => readTextOr(`/proc/${pid}/cmdline`, "").split("\0").includes(text));
}
