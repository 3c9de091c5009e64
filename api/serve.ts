/**
 * Serves the Hono app with Bun.serve. `stop()` closes the listener, lets in-flight requests finish
 * and then ends open streams (SSE clients reconnect elsewhere with Last-Event-ID).
 *
 * Connections that say nothing for `idleTimeoutSeconds` are closed (a client that opens sockets and
 * never finishes a request must not hold them forever); the SSE route lifts the limit for its own
 * request with `server.timeout(request, 0)`, which is why the server goes to Hono as `env.server`.
 */
import type { Logger } from "@shamdan/shared/core/log";
import type { App } from "./app.ts";

export interface ApiServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Bun.serve accepts idle timeouts up to this many seconds. */
const MAX_IDLE_SECONDS = 255;

export function serveApi(
  app: App,
  options: { port: number; hostname?: string; logger?: Logger; idleTimeoutSeconds?: number },
): ApiServer {
  const server = Bun.serve({
    port: options.port,
    hostname: options.hostname ?? "0.0.0.0",
    fetch: (request, bun) => app.fetch(request, { server: bun }),
    idleTimeout: Math.min(MAX_IDLE_SECONDS, options.idleTimeoutSeconds ?? 30),
  });
  const url = `http://${server.hostname}:${server.port}`;
  options.logger?.info("api listening", { url });
  return {
    url,
    port: server.port ?? options.port,
    async stop() {
      // Streams are idle by design: end them now rather than wait for them. Then graceful: refuse new
      // connections, let requests in flight finish...
      app.closeStreams();
      const graceful = server.stop(false);
      const timer = setTimeout(() => server.stop(true), 5000);
      await graceful;
      clearTimeout(timer);
    },
  };
}
