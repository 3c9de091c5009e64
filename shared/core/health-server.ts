/**
 * The tiny HTTP server every service (ingest, processor, sink) exposes for Kubernetes probes and
 * Prometheus: `/healthz` (the process answers), `/readyz` (ready to do its work: 200, else 503) and
 * `/metrics` (the service's prom-client registry).
 */
import type { Registry } from "prom-client";

export interface HealthServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  hostname?: string;
  registry: Registry;
  ready: () => boolean | Promise<boolean>;
  /** Extra detail for `/readyz` (e.g. per-symbol state); must be JSON-serialisable. */
  detail?: () => unknown;
}

export interface HealthServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function startHealthServer(options: HealthServerOptions): HealthServer {
  const server = Bun.serve({
    hostname: options.hostname ?? "0.0.0.0",
    port: options.port,
    async fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname === "/healthz") return Response.json({ status: "ok" });
      if (pathname === "/readyz") {
        const ready = await options.ready();
        return Response.json(
          { status: ready ? "ready" : "not ready", detail: options.detail?.() },
          { status: ready ? 200 : 503 },
        );
      }
      if (pathname === "/metrics") {
        return new Response(await options.registry.metrics(), {
          headers: { "content-type": options.registry.contentType },
        });
      }
      return Response.json({ error: "not found" }, { status: 404 });
    },
  });
  const host = server.hostname === "0.0.0.0" ? "127.0.0.1" : server.hostname;
  // Bun types the port as optional (a unix-socket server has none); this one always listens on TCP.
  const port = server.port;
  if (port === undefined) throw new Error("health server: no TCP port");
  return {
    url: `http://${host}:${port}`,
    port,
    stop: async () => {
      await server.stop(true);
    },
  };
}
