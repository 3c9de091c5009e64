/**
 * A real Centrifugo server (the open-source server Nobitex's stream runs on), for tests and local runs:
 * built once from its Go module with `go install` into `<SHAMDAN_HOME>/tools/centrifugo-<version>/`
 * (a few minutes on a small machine; later runs reuse the binary), started on 127.0.0.1 with a
 * configuration like Nobitex's: anonymous connections, anonymous subscriptions to the `public:`
 * namespace, a 25 s ping, and the `fossil` delta allowed (Centrifugo's open-source edition sends deltas
 * only in channels with positioning and recovery, so the namespace keeps a short history).
 * Publications go through its HTTP server API (`/api/publish`, `X-API-Key`).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const CENTRIFUGO_VERSION = "v6.9.1";

export function centrifugoBinary(home = defaultHome(), version = CENTRIFUGO_VERSION): string {
  return join(home, "tools", `centrifugo-${version}`, "centrifugo");
}

function defaultHome(): string {
  return resolve(process.env.SHAMDAN_HOME || join(import.meta.dir, "..", ".shamdan"));
}

/**
 * The binary's path, built with the Go toolchain if it is not there yet. Throws with what to install
 * when `go` is missing.
 */
export async function ensureCentrifugo(
  options: { home?: string; version?: string; log?: (line: string) => void } = {},
): Promise<string> {
  const version = options.version ?? CENTRIFUGO_VERSION;
  // Absolute: `go install` refuses a relative GOBIN, and SHAMDAN_HOME is relative by default.
  const binary = resolve(centrifugoBinary(options.home ?? defaultHome(), version));
  if (existsSync(binary)) return binary;
  const dir = join(binary, "..");
  mkdirSync(dir, { recursive: true });
  options.log?.(`building Centrifugo ${version} with go install (once; a few minutes) into ${dir}`);
  let proc: Subprocess<"ignore", "pipe", "pipe">;
  try {
    proc = Bun.spawn(["go", "install", `github.com/centrifugal/centrifugo/v6@${version}`], {
      env: { ...process.env, GOBIN: dir },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch (error) {
    throw new Error(`building Centrifugo needs Go (https://go.dev/dl/) on PATH: ${String(error)}`);
  }
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0 || !existsSync(binary)) {
    throw new Error(`go install of Centrifugo ${version} failed (exit ${code}): ${stderr.slice(-2000)}`);
  }
  return binary;
}

export interface CentrifugoOptions {
  binary: string;
  port: number;
  /** Folder for its configuration and log. */
  dir: string;
  apiKey?: string;
  pingIntervalS?: number;
  /** How long the server waits for a client's pong before it disconnects it (default 8). */
  pongTimeoutS?: number;
}

export interface CentrifugoServer {
  /** The client WebSocket address, as NOBITEX_WS_URL takes it. */
  wsUrl: string;
  apiUrl: string;
  /** The running process's id (undefined while stopped). */
  pid(): number | undefined;
  /** Publishes `data` (any JSON value; Nobitex sends a JSON string) into a channel. */
  publish(channel: string, data: unknown, options?: { delta?: boolean }): Promise<void>;
  /** Closes every client connection (they reconnect), keeping the server up. */
  disconnectAll(): Promise<void>;
  /** Stops the process (`kill -9` with `hard`), waiting until it exited. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port and configuration. */
  restart(): Promise<void>;
  log(): Promise<string>;
}

/** Per health probe; the start-up deadline around the probes is 30 s. */
const HEALTH_TIMEOUT_MS = 2_000;
/** Per server API call (publish, disconnect): an unanswered call fails instead of hanging its caller. */
const API_TIMEOUT_MS = 10_000;

/** The server API of a Centrifugo at `baseUrl` (`http://host:port`), whoever runs it. */
export function centrifugoApi(
  baseUrl: string,
  apiKey: string,
): Pick<CentrifugoServer, "publish" | "disconnectAll"> {
  const call = async (method: string, body: unknown) => {
    const response = await fetch(`${baseUrl.replace(/\/$/, "")}/api/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok || text.includes('"error"'))
      throw new Error(`centrifugo ${method}: ${response.status} ${text}`);
  };
  return {
    publish: (channel, data, options) =>
      call("publish", { channel, data, ...(options?.delta ? { delta: true } : {}) }),
    // Every connection here is anonymous (Nobitex's public channels), and anonymous connections have the
    // empty user id. A code in 3000-3499 tells clients to reconnect (the API's default one is terminal).
    disconnectAll: () => call("disconnect", { user: "", disconnect: { code: 3001, reason: "dropped" } }),
  };
}

export interface CentrifugoConfigOptions {
  port: number;
  apiKey: string;
  pingIntervalS?: number;
  pongTimeoutS?: number;
}

/** The configuration file's content: Nobitex-like, bound to 127.0.0.1. */
export function centrifugoConfig(options: CentrifugoConfigOptions): string {
  return JSON.stringify(
    {
      http_server: { address: "127.0.0.1", port: String(options.port) },
      log: { level: "info" },
      health: { enabled: true },
      http_api: { key: options.apiKey },
      client: {
        allowed_origins: ["*"],
        allow_anonymous_connect_without_token: true,
        ping_interval: `${options.pingIntervalS ?? 25}s`,
        pong_timeout: `${options.pongTimeoutS ?? 8}s`,
      },
      channel: {
        namespaces: [
          {
            name: "public",
            allow_subscribe_for_anonymous: true,
            allow_subscribe_for_client: true,
            allowed_delta_types: ["fossil"],
            force_positioning: true,
            force_recovery: true,
            history_size: 10,
            history_ttl: "60s",
          },
        ],
      },
    },
    null,
    2,
  );
}

/**
 * Whether a Centrifugo answers its health check on 127.0.0.1:port. A port that accepts but never
 * answers counts as not healthy (yet), not as a wait without end.
 */
export const centrifugoHealthy = (port: number): Promise<boolean> =>
  fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) })
    .then((r) => r.ok)
    .catch(() => false);

// One function on purpose: config, process and readiness wait in one place, so a failed start kills what it spawned.
export async function startCentrifugo(options: CentrifugoOptions): Promise<CentrifugoServer> {
  const apiKey = options.apiKey ?? "shamdan-test-api-key";
  const base = `http://127.0.0.1:${options.port}`;
  mkdirSync(options.dir, { recursive: true });
  const configPath = join(options.dir, "centrifugo.json");
  const logPath = join(options.dir, "centrifugo.log");
  await Bun.write(configPath, centrifugoConfig({ ...options, apiKey }));
  let proc: Subprocess | undefined;
  const logFile = Bun.file(logPath);
  const launch = async () => {
    const previous = (await logFile.exists()) ? await logFile.text() : "";
    proc = Bun.spawn([options.binary, "--config", configPath], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: Bun.file(logPath),
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) {
        throw new Error(`centrifugo exited with ${proc.exitCode}: ${(await logFile.text()).slice(-2000)}`);
      }
      if (await centrifugoHealthy(options.port)) return;
      await Bun.sleep(100);
    }
    proc.kill("SIGKILL");
    throw new Error(
      `centrifugo did not answer on ${base} within 30 s (${previous.length} bytes logged before)`,
    );
  };
  // This process owns the server: if it exits without stopping it (e.g. a second Ctrl-C), it goes too.
  const killOnExit = () => {
    if (proc?.exitCode === null) proc.kill("SIGKILL");
  };
  process.on("exit", killOnExit);
  const api = centrifugoApi(base, apiKey);
  await launch().catch((error) => {
    process.off("exit", killOnExit);
    throw error;
  });
  const server: CentrifugoServer = {
    wsUrl: `ws://127.0.0.1:${options.port}/connection/websocket`,
    apiUrl: `${base}/api`,
    pid: () => (proc?.exitCode === null ? proc.pid : undefined),
    ...api,
    stop: async (hard = false) => {
      process.off("exit", killOnExit);
      if (!proc || proc.exitCode !== null) return;
      proc.kill(hard ? "SIGKILL" : "SIGTERM");
      await proc.exited;
    },
    restart: async () => {
      await server.stop();
      await launch();
      process.on("exit", killOnExit);
    },
    log: () => logFile.text(),
  };
  return server;
}
