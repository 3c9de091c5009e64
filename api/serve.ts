/**
 * Serves the Hono app with Bun.serve. `stop()` closes the listener, lets in-flight requests finish
 * and then ends open streams (SSE clients reconnect elsewhere with Last-Event-ID).
 */
import type { Logger } from "@shamdan/shared/log";
import type { App } from "./app.ts";

export interface ApiServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function serveApi(app: App, options: { port: number; hostname?: string; logger?: Logger }): ApiServer {
  const server = Bun.serve({
    port: options.port,
    hostname: options.hostname ?? "0.0.0.0",
    fetch: app.fetch,
    // SSE connections are long-lived on purpose; heartbeats keep them well under any idle limit.
    idleTimeout: 0,
  });
  const url = `http://${server.hostname}:${server.port}`;
  options.logger?.info("api listening", { url });
  return {
    url,
    port: server.port ?? options.port,
    async stop() {
      // Graceful first: refuse new connections, let requests in flight finish...
      const graceful = server.stop(false);
      const timer = setTimeout(() => server.stop(true), 5000);
      await graceful;
      clearTimeout(timer);
    },
  };
}
